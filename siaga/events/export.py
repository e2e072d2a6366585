"""Events as IntelMQ sees them: flat objects with IntelMQ's dotted field names, and JSON lines.

``intelmq_fields`` turns a stored event (a row of columns) into IntelMQ's flat form: only the fields
that have a value, ``time.*`` in ISO 8601 with ``+00:00``, and each key of ``extra`` as a field of
its own, ``extra.<key>`` (``raw`` is not stored, so it is not exported). The detail page, the API and
the export all use it, so an event reads the same everywhere.

``intelmq_lines`` writes one such object per line (JSON lines, ``application/x-ndjson``), reading
the rows in batches of ``EXPORT_CHUNK`` as plain values (no model objects), so an export of
millions of events streams in constant memory. ``check_export_events`` is the action the page and
the API call: it checks the export permission and writes the audit entry before the first line.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.events.actions import STORED_FIELDS, column_of
from siaga.events.models import Event
from siaga.feeds import details
from siaga.feeds.harmonized import EXTRA_PREFIX

CONTENT_TYPE = "application/x-ndjson"
EXPORT_CHUNK = 2000  # rows per database round trip
LINES_PER_WRITE = 500  # lines joined into one chunk of the response: fewer, larger writes
# The audit trail's row count of a streamed export: the rows are not counted (COUNT(*) over tens of
# millions of rows would cost as much as the export); the entry records the filters instead.
NOT_COUNTED = -1
# (IntelMQ field, table column), in the harmonized order.
FIELD_COLUMNS = [(field, column_of(field)) for field in STORED_FIELDS]
COLUMNS = [column for _field, column in FIELD_COLUMNS]
# Where an event's line is in its report (``siaga.feeds.details``).
LOCATION = ("id", "report_id", "report_offset")


def intelmq_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """IntelMQ's flat event for a row of table columns (``source_ip`` ...): non-empty fields only."""
    fields: dict[str, Any] = {}
    for field, column in FIELD_COLUMNS:
        value = row.get(column)
        if field == "extra":
            fields.update(_extra_fields(value))
            continue
        value = _json_value(value)
        if value is not None:
            fields[field] = value
    return fields


def event_fields(event: Event) -> dict[str, Any]:
    """``intelmq_fields`` of one model object (its report's other columns read back if need be)."""
    row = {column: getattr(event, column) for column in COLUMNS}
    if event.extra is None and event.report_offset is not None:
        row["extra"] = details.extra_of(event)
    return intelmq_fields(row)


def _json_value(value: Any) -> Any:
    """The value as JSON carries it, or ``None`` for an empty one (IntelMQ leaves those out)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value


def _extra_fields(extra: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(extra, str):  # a JSON column read without its decoder (raw SQL, old rows)
        try:
            extra = json.loads(extra)
        except ValueError:
            yield "extra", extra
            return
    if isinstance(extra, dict):
        for key, value in extra.items():
            value = _json_value(value)
            if value is not None:
                yield f"{EXTRA_PREFIX}{key}", value
    elif extra not in (None, "", [], {}):
        yield "extra", extra


def intelmq_line(fields: Mapping[str, Any]) -> str:
    try:
        text = json.dumps(fields, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # a NaN deep inside ``extra``: JSON cannot carry it, null can
        text = json.dumps(_finite(fields), ensure_ascii=False, default=str)
    return text + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def intelmq_lines(queryset: QuerySet) -> Iterator[str]:
    """One line of JSON per event of ``queryset``, in its order, read ``EXPORT_CHUNK`` at a time;
    the report columns of CSV events are read back from their reports a batch at a time."""
    rows = queryset.values(*COLUMNS, *LOCATION).iterator(chunk_size=EXPORT_CHUNK)
    for batch in itertools.batched(rows, EXPORT_CHUNK):
        read_back = details.extras_for(
            Event(pk=row["id"], report_id=row["report_id"], report_offset=row["report_offset"])
            for row in batch
            if row["extra"] is None and row["report_offset"] is not None
        )
        for row in batch:
            if row["id"] in read_back:
                row["extra"] = read_back[row["id"]]
            yield intelmq_line(intelmq_fields(row))


def joined(lines: Iterable[str], size: int | None = None) -> Iterator[str]:
    """The lines in groups of ``size`` (``LINES_PER_WRITE``), each group one string: one write of
    the response instead of one per line."""
    size = size or LINES_PER_WRITE
    group: list[str] = []
    for line in lines:
        group.append(line)
        if len(group) == size:
            yield "".join(group)
            group = []
    if group:
        yield "".join(group)


def check_export_events(user: Any, queryset: QuerySet, filters: dict[str, Any]) -> Iterator[str]:
    """The lines of an export of ``queryset`` (already restricted to the user and filtered), in
    groups; needs ``event.export``. The audit entry, with the filters, is written before the
    first line goes out, so an export cut short is still on record.

    The events come in the order they were stored (by id): the primary key's index gives that
    order without sorting millions of rows, and it follows the feeds' own time order closely."""
    if not principal_for(user).has_perm("event.export"):
        raise PermissionDenied(_("You may not export events."))
    record_export("events.event", NOT_COUNTED, {"format": "intelmq-jsonl", **filters})
    return joined(intelmq_lines(queryset.order_by("pk")))
