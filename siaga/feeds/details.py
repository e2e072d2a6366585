"""What an event's report said beyond the harmonized fields, read back from the stored report.

Events from CSV reports do not copy their report's other columns (a Shadowserver scan report has
about fifty) into the database: they keep the byte offset of their line, and the line is read and
parsed again when someone looks (the event page, an export, a digest). Storage stays narrow and
fast, and the report file — kept from the moment it arrived — remains the one record of what the
source sent. Events from other formats store their ``extra`` as JSON, returned as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from siaga.events.models import Event
from siaga.feeds.actions import stored_path
from siaga.feeds.models import FeedReport
from siaga.feeds.parsers import shadowserver
from siaga.feeds.pipeline import header_of, report_type_of


def extras_for(events: Iterable[Event]) -> dict[int, dict[str, Any]]:
    """Event id → its extra values (empty when the report is gone or cannot be read any more)."""
    found: dict[int, dict[str, Any]] = {}
    by_report: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.extra is not None:
            found[event.pk] = dict(event.extra)
        elif event.report_id is not None and event.report_offset is not None:
            by_report[event.report_id].append(event)
        else:
            found[event.pk] = {}
    reports = FeedReport.objects.select_related("feed").in_bulk(sorted(by_report))
    for report_id, waiting in by_report.items():
        report = reports.get(report_id)
        read = _read_back(report, waiting) if report is not None else {}
        for event in waiting:
            found[event.pk] = read.get(event.pk, {})
    return found


def extra_of(event: Event) -> dict[str, Any]:
    return extras_for([event])[event.pk]


def _read_back(report: FeedReport, events: list[Event]) -> dict[int, dict[str, Any]]:
    path = stored_path(report)
    if not path.exists():
        return {}
    try:
        report_type = report_type_of(report)
        parser = shadowserver.ChunkParser(report_type, header_of(path))
    except ValueError:
        return {}
    ordered = sorted(events, key=lambda event: event.report_offset or 0)
    lines = []
    with path.open("rb") as handle:
        for event in ordered:
            handle.seek(event.report_offset or 0)
            lines.append(handle.readline().rstrip(b"\r\n") + b"\n")
    parsed = parser.parse(b"".join(lines), first_row=1)
    extras = dict(
        zip(
            parsed.events.get_column("_row").to_list(),
            parsed.events.get_column("extra").to_list(),
            strict=True,
        )
    )
    return {
        event.pk: {
            key: value for key, value in (extras.get(position) or {}).items() if value is not None
        }
        for position, event in enumerate(ordered, 1)
    }
