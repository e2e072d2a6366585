"""Trying quarantined rows again, one by one, as they are or as an analyst corrected them.

A row lands in quarantine with its original text and the reason (a bad address, a field count
that does not match the header, bytes that are not UTF-8). Once the cause is fixed — the parser
learned a new spelling, or an analyst corrected the text — the row is tried again on its own:

- Shadowserver: the line is read under the stored report's header line, with the report's type;
- IntelMQ JSON lines: the line is read as a one-line file;
- the other formats: the text is read as a whole report of the feed's format (a corrected row
  for a JSON list is ``[{...}]``; for a CSV with a header, the header line and the row).

The events keep the row's number in the report; they are stored in one transaction with the
quarantine row's removal and the report's counts, under the lock of their feed names (as chunks
are), so the row is never both quarantined and stored; while a report of those names is being
processed they are held for it (``siaga.feeds.locks``) and a retry is refused with a reason. A
row that still cannot be read stays, with the new reason. Every try is in the audit trail (who,
which rows, corrected or not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.events.actions import store_events
from siaga.feeds import harmonized, locks
from siaga.feeds.actions import stored_path
from siaga.feeds.choices import FeedReportStatus, ParserKind
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow, ReportChunk
from siaga.feeds.parsers import shadowserver
from siaga.feeds.parsers.common import ParseResult

MAX_ROWS_PER_TRY = 1000
MAX_CORRECTION_BYTES = 1024 * 1024


@dataclass
class RetryOutcome:
    stored: list[int] = field(default_factory=list)  # row numbers now stored as events
    still_quarantined: dict[int, str] = field(default_factory=dict)  # row → the new reason
    events_stored: int = 0
    duplicates: int = 0


def check_retry_quarantined(
    user: Any,
    report: FeedReport,
    rows: list[int],
    *,
    corrections: dict[int, str] | None = None,
) -> RetryOutcome:
    """An analyst tries quarantined rows of a report again (``corrections``: row → new text)."""
    if not principal_for(user).has_perm("feedreport.add"):
        raise PermissionDenied(_("You may not process feed reports."))
    corrections = corrections or {}
    if not rows:
        raise ValidationError({"rows": _("Choose at least one quarantined row.")})
    if len(rows) > MAX_ROWS_PER_TRY:
        raise ValidationError(
            {"rows": _("At most %(n)d rows at a time.") % {"n": MAX_ROWS_PER_TRY}}
        )
    if set(corrections) - set(rows):
        raise ValidationError({"corrections": _("Corrections must be for the chosen rows.")})
    for text in corrections.values():
        if len(text.encode("utf-8")) > MAX_CORRECTION_BYTES or "\x00" in text:
            raise ValidationError({"corrections": _("A corrected row is too long or not text.")})
    if report.status == FeedReportStatus.PROCESSING:
        raise ValidationError(_("This report is being processed."))
    found = set(report.quarantine.filter(row__in=rows).values_list("row", flat=True))
    missing = sorted(set(rows) - found)
    if missing:
        raise ValidationError(
            {
                "rows": _("Not quarantined in this report: %(rows)s")
                % {"rows": ", ".join(map(str, missing[:20]))}
            }
        )
    return do_retry_quarantined(report, sorted(set(rows)), corrections=corrections, actor=user)


def do_retry_quarantined(
    report: FeedReport,
    rows: list[int],
    *,
    corrections: dict[int, str] | None = None,
    actor: Any = None,
) -> RetryOutcome:
    from siaga.feeds.pipeline import current_context, feed_names_of, prepare

    corrections = corrections or {}
    context = current_context()
    outcome = RetryOutcome()
    with transaction.atomic():
        quarantined = list(report.quarantine.select_for_update().filter(row__in=rows))
        attempts = [(entry, _attempt(report, entry, corrections)) for entry in quarantined]
        # The rows are read first: the feed names their events carry are what must be held.
        names = frozenset().union(
            *(feed_names_of(read.events) for _, read in attempts if isinstance(read, ParseResult))
        )
        if not locks.try_hold_for_transaction(names):
            raise ValidationError(
                _(
                    "A report with findings of the same feed is being processed; try again when it is done."
                )
            )
        Feed.objects.select_for_update().only("pk").get(pk=report.feed_id)
        for entry, parsed in attempts:
            if isinstance(parsed, str):
                _keep(entry, parsed, outcome)
                continue
            if parsed.quarantine:
                _keep(entry, "; ".join(row.reason for row in parsed.quarantine), outcome)
                continue
            if parsed.events.height == 0:
                _keep(entry, _("the row holds no event"), outcome)
                continue
            frame = prepare(harmonized.conform(_numbered(parsed.events, entry.row)), *context)
            stored = store_events(frame, report_id=report.pk)
            _count_in_chunk(report, entry.row, stored.stored, stored.merged)
            entry.delete()
            outcome.stored.append(entry.row)
            outcome.events_stored += stored.stored
            outcome.duplicates += stored.merged
        _refresh_report_counts(report)
        do_record_event(
            AuditAction.UPDATE,
            report,
            changes={
                "quarantine_retried": rows,
                "corrected": sorted(corrections),
                "stored": outcome.stored,
                "still_quarantined": sorted(outcome.still_quarantined),
            },
            actor=actor,
        )
    return outcome


def _attempt(
    report: FeedReport, entry: QuarantinedRow, corrections: dict[int, str]
) -> ParseResult | str:
    """The row read again, as it is or as corrected; the reason it still cannot be read."""
    try:
        return parse_single_row(report, entry.row, corrections.get(entry.row, entry.raw))
    except ValueError as exc:
        return str(exc)


def _keep(entry: QuarantinedRow, reason: str, outcome: RetryOutcome) -> None:
    entry.reason = reason[:500]
    entry.save(update_fields=["reason"])
    outcome.still_quarantined[entry.row] = entry.reason


def _numbered(events: pl.DataFrame, row: int) -> pl.DataFrame:
    """The events under the quarantined row's number; no line offset: the stored report's line
    at that place is the old text, so the extra columns are kept with the event instead."""
    events = events.with_columns(pl.lit(row, dtype=pl.Int64).alias("_row"))
    return events.drop("_offset") if "_offset" in events.columns else events


# --- Reading one row ----------------------------------------------------------------------------


def parse_single_row(report: FeedReport, row: int, text: str) -> ParseResult:
    """One row's text, read the way its report's format reads it (see the module's docstring)."""
    observed = report.received_at.astimezone(UTC)
    kind = report.feed.parser
    line = text.rstrip("\r\n")
    if kind == ParserKind.SHADOWSERVER:
        if "\n" in line:
            raise ValueError(_("a Shadowserver row is one line"))
        from siaga.feeds.pipeline import header_of, report_type_of

        try:
            header = header_of(stored_path(report))
        except OSError as exc:
            raise ValueError(_("the stored report file cannot be read: %s") % exc) from exc
        parser = shadowserver.ChunkParser(report_type_of(report), header, observation_time=observed)
        return parser.parse((line + "\n").encode("utf-8"), first_row=row)
    if kind == ParserKind.INTELMQ_JSONL and "\n" in line:
        raise ValueError(_("an IntelMQ event is one line"))
    from siaga.feeds.parsers.registry import parse_whole
    from siaga.feeds.pipeline import parser_mapping

    return parse_whole(
        kind, text.encode("utf-8"), observation_time=observed, mapping=parser_mapping(report.feed)
    )


# --- The report's counts --------------------------------------------------------------------------


def _count_in_chunk(report: FeedReport, row: int, stored: int, merged: int) -> None:
    """The chunk that quarantined the row now counts it as stored (the report's totals are the
    sums of its chunks, see ``pipeline._finish``)."""
    chunk = (
        ReportChunk.objects.filter(report=report, first_row__lte=row).order_by("-first_row").first()
    )
    if chunk is None:
        return
    ReportChunk.objects.filter(pk=chunk.pk).update(
        quarantined=F("quarantined") - 1,
        events_stored=F("events_stored") + stored,
        duplicates=F("duplicates") + merged,
    )


def _refresh_report_counts(report: FeedReport) -> None:
    from django.db.models import Sum

    totals = report.chunks.aggregate(
        stored=Sum("events_stored"), merged=Sum("duplicates"), quarantined=Sum("quarantined")
    )
    FeedReport.objects.filter(pk=report.pk).update(
        events_stored=totals["stored"] or 0,
        duplicates=totals["merged"] or 0,
        rows_quarantined=totals["quarantined"] or 0,
    )
