"""Daily roll-ups of feed events, and the sector statistics read from them.

The CERT's statistics ask "how many, of what, where, over which days" of a table of tens of
millions of events. Answering from the events would scan them; so every stored chunk also adds its
counts to ``EventDailyCount`` — one row per day, feed, classification, constituent and severity —
and the statistics read those (a few thousand rows a month).

What counts (``record_rollup``): ``findings`` is every finding the feeds reported; ``events`` the
new event rows among them. A finding repeated inside one chunk is one event and several findings; a
finding merged into an event stored earlier (within the deduplication window) adds to ``findings``
only. The day is the finding's own ``time.observation`` in the site's time zone (the day the event
list's date filters use); a repeat merged into an older event counts on the day it was observed.

Roll-ups are added by one ``INSERT ... ON CONFLICT DO UPDATE`` (arrays through ``unnest`` on
PostgreSQL, a VALUES list on SQLite). They are exactly as durable as the events: a stored chunk of a
report keeps its roll-up rows with its ``ReportChunk`` row, in the transaction of its events, and
the report's rows are summed and added once its chunks are stored (``siaga.feeds.pipeline``:
one upsert of a few thousand rows per report instead of one per chunk, which cost a tenth of the
storing); events stored any other way add theirs at once (``store_events``). Rows are
sent sorted by their key, so two transactions touching the same roll-up rows (two feeds whose events
carry one feed name) lock them in one order and cannot deadlock.

Retention (``siaga.feeds.retention``) removes events and reports but keeps the roll-ups: the
statistics of a year outlive the events behind them.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from siaga.events.models import EventDailyCount

SQLITE_BATCH = 100  # rows per statement: 8 parameters each, well under SQLite's limit
DIMENSIONS = ("day", "feed_name", "classification_taxonomy", "classification_type", "constituent")
TOP_CONSTITUENTS = 20
ROLLUP_SCHEMA = {
    "day": pl.Date,
    "feed_name": pl.String,
    "classification_taxonomy": pl.String,
    "classification_type": pl.String,
    "constituent": pl.Int64,
    "severity": pl.Int16,
    "events": pl.Int64,
    "findings": pl.Int64,
}


# --- Recording ---------------------------------------------------------------------------------------


def record_rollup(findings: pl.DataFrame, merged: Collection[int] = ()) -> int:
    """Add a stored chunk's counts to the daily roll-ups; returns how many roll-up rows it touched.

    ``findings``: the chunk's findings collapsed by ``dedupe_key`` (one row each, with ``count``),
    before the merged ones were taken out; ``merged``: the dedupe keys of those counted on an event
    that was stored already. Runs in the caller's transaction."""
    return add_rollup_rows(rollup_rows(findings, merged))


def rollup_rows(findings: pl.DataFrame, merged: Collection[int] = ()) -> pl.DataFrame:
    """The roll-up rows of a chunk's findings (see ``record_rollup``), not written yet."""
    return _grouped(findings, merged)


def add_rollup_rows(rows: pl.DataFrame) -> int:
    """Add roll-up rows (``rollup_rows``, ``combined``) to the stored counts, in the caller's
    transaction; returns how many rows it touched."""
    if rows.height == 0:
        return 0
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows)
    else:
        _upsert_sqlite(rows)
    return rows.height


def combined(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Several chunks' roll-up rows summed into one row per day, feed, classification,
    constituent and severity, in the order that keeps writers from deadlocking."""
    frames = [part for part in parts if part.height]
    if not frames:
        return pl.DataFrame(schema=ROLLUP_SCHEMA)
    return (
        pl.concat(frames, how="vertical")
        .group_by([*DIMENSIONS, "severity"])
        .agg(pl.col("events").sum(), pl.col("findings").sum())
        .sort([*DIMENSIONS, "severity"], nulls_last=False)
    )


def packed(rows: pl.DataFrame) -> bytes:
    """Roll-up rows as bytes to keep until they are added (Arrow IPC, compressed): a report's
    chunks keep theirs in ``ReportChunk.rollup`` (``siaga.feeds.pipeline``)."""
    buffer = io.BytesIO()
    rows.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def unpacked(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data)).cast(ROLLUP_SCHEMA)  # type: ignore[arg-type]


def _grouped(findings: pl.DataFrame, merged: Collection[int]) -> pl.DataFrame:
    zone = timezone.get_default_timezone_name()
    seen = pl.coalesce(pl.col("time.observation"), pl.col("last_seen"))
    is_new = ~pl.col("dedupe_key").is_in(sorted(merged))
    return (
        findings.select(
            seen.dt.convert_time_zone(zone).dt.date().alias("day"),
            pl.col("feed.name").fill_null("").alias("feed_name"),
            pl.col("classification.taxonomy").fill_null("").alias("classification_taxonomy"),
            pl.col("classification.type").fill_null("").alias("classification_type"),
            pl.col("constituent").cast(pl.Int64).alias("constituent"),
            pl.col("severity").cast(pl.Int16).alias("severity"),
            is_new.cast(pl.Int64).alias("events"),
            pl.col("count").cast(pl.Int64).alias("findings"),
        )
        .group_by([*DIMENSIONS, "severity"])
        .agg(pl.col("events").sum(), pl.col("findings").sum())
        .sort([*DIMENSIONS, "severity"], nulls_last=False)
    )


_COLUMNS = (
    "day, feed_name, classification_taxonomy, classification_type, constituent_id, severity, "
    "events, findings"
)
_CONFLICT = (
    "ON CONFLICT (day, feed_name, classification_taxonomy, classification_type, "
    "(COALESCE(constituent_id, 0)), severity) DO UPDATE SET "
    "events = r.events + excluded.events, findings = r.findings + excluded.findings"
)


def _upsert_postgresql(rows: pl.DataFrame) -> None:
    table = EventDailyCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS r ({_COLUMNS}) "  # noqa: S608 (the table's name)
            "SELECT * FROM unnest(%s::date[], %s::text[], %s::text[], %s::text[], %s::bigint[], "
            f"%s::smallint[], %s::bigint[], %s::bigint[]) {_CONFLICT}",
            [rows.get_column(name).to_list() for name in rows.columns],
        )


def _upsert_sqlite(rows: pl.DataFrame) -> None:
    table = EventDailyCount._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, rows.height, SQLITE_BATCH):
            batch = rows.slice(start, SQLITE_BATCH)
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * batch.height)
            parameters = [value for row in batch.iter_rows() for value in row]
            cursor.execute(
                f"INSERT INTO {table} AS r ({_COLUMNS}) VALUES {values} {_CONFLICT}",  # noqa: S608
                parameters,
            )


# --- Reading: the sector statistics -------------------------------------------------------------------


@dataclass
class Count:
    """One line of a statistics table: what it counts and how many."""

    key: Any
    label: str
    events: int = 0
    findings: int = 0


@dataclass
class SectorStatistics:
    """The numbers of the statistics page and API for the days ``first`` to ``last``."""

    first: date
    last: date
    events: int = 0
    findings: int = 0
    by_type: list[Count] = field(default_factory=list)
    by_constituent_type: list[Count] = field(default_factory=list)
    by_province: list[Count] = field(default_factory=list)
    top_constituents: list[Count] = field(default_factory=list)
    days: list[Count] = field(default_factory=list)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=29), today


def sector_statistics(first: date, last: date) -> SectorStatistics:
    """Events and findings of the days ``first`` to ``last`` by RSIT type, constituent type,
    province, constituent (the 20 with most findings) and day: five GROUP BY queries on the
    roll-ups, whatever the number of events."""
    from siaga.constituents.choices import Province
    from siaga.organizations.choices import ConstituentType

    counts = EventDailyCount.objects.filter(day__gte=first, day__lte=last).order_by()
    days = _by_day(counts, first, last)
    return SectorStatistics(
        first=first,
        last=last,
        events=sum(day.events for day in days),
        findings=sum(day.findings for day in days),
        by_type=_by_type(counts),
        by_constituent_type=_grouped_by(
            counts, "constituent__constituent_type", dict(ConstituentType.choices)
        ),
        by_province=_grouped_by(counts, "constituent__profile__province", dict(Province.choices)),
        top_constituents=_top_constituents(counts),
        days=days,
    )


def _sums(counts: QuerySet, *names: str) -> Iterator[dict[str, Any]]:
    yield from counts.values(*names).annotate(n_events=Sum("events"), n_findings=Sum("findings"))


def _count(key: Any, label: str, row: dict[str, Any]) -> Count:
    return Count(key, label, int(row["n_events"] or 0), int(row["n_findings"] or 0))


def _largest_first(rows: list[Count]) -> list[Count]:
    return sorted(rows, key=lambda row: (-row.findings, -row.events, str(row.label)))


def _by_type(counts: QuerySet) -> list[Count]:
    return _largest_first(
        [
            _count(row["classification_type"], row["classification_taxonomy"], row)
            for row in _sums(counts, "classification_taxonomy", "classification_type")
        ]
    )


def _grouped_by(counts: QuerySet, path: str, labels: dict[str, Any]) -> list[Count]:
    """Counts by a property of the constituent; ``None`` collects the unattributed events and the
    constituents without that property (no profile, no province)."""
    from django.utils.translation import gettext

    merged: dict[Any, Count] = {}
    for row in _sums(counts, path):
        key = row[path] or None
        label = str(labels.get(key, key)) if key else gettext("Unattributed or unknown")
        line = merged.setdefault(key, Count(key, label))
        line.events += int(row["n_events"] or 0)
        line.findings += int(row["n_findings"] or 0)
    return _largest_first(list(merged.values()))


def _top_constituents(counts: QuerySet) -> list[Count]:
    from django.utils.translation import gettext

    ranked = (
        counts.filter(constituent__isnull=False)
        .values("constituent", "constituent__name")
        .annotate(n_events=Sum("events"), n_findings=Sum("findings"))
        .order_by("-n_findings", "-n_events", "constituent")[:TOP_CONSTITUENTS]
    )
    return [
        _count(
            row["constituent"],
            row["constituent__name"]
            or gettext("Removed organization %(id)s") % {"id": row["constituent"]},
            row,
        )
        for row in ranked
    ]


def _by_day(counts: QuerySet, first: date, last: date) -> list[Count]:
    """Every day of the period, with zero for the days without events."""
    found = {row["day"]: row for row in _sums(counts, "day")}
    days = []
    day = first
    while day <= last:
        row = found.get(day)
        days.append(_count(day, day.isoformat(), row) if row else Count(day, day.isoformat()))
        day += timedelta(days=1)
    return days
