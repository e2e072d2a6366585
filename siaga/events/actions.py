"""Storing feed events: deduplication within the window and bulk writes (retention: ``siaga.feeds.retention``).

``store_events(frame, ...)`` takes a harmonized frame that was attributed and keyed
(``siaga.feeds.pipeline``) and writes it in the caller's transaction:

1. findings repeated inside the frame become one row with a count (polars ``group_by``);
2. findings already stored within the window (``SIAGA_EVENT_DEDUPE_HOURS``) get their ``count``
   and ``last_seen`` raised instead of a new row;
3. the rest are written: on PostgreSQL with ``COPY`` of CSV that polars writes in one pass, elsewhere
   with ``bulk_create``. Steps 1 and the writing of the CSV need no database: ``stage_events``
   does them, and the pipeline calls it ahead, outside the transaction (``store_staged``);
4. the daily roll-ups (``siaga.events.rollups``) get the counts — at once, or, for the pipeline,
   handed back to be kept with the chunk and added once per report.

Every index of the events table is paid for by every COPY (each B-tree costs about as much as
writing the row itself), so the table has only those its questions need: see ``models.Event``.

The caller holds the lock of its events' feed names (``siaga.feeds.locks``), so nothing else
stores events they could repeat meanwhile. On PostgreSQL the pipeline stores two chunks of a
report at once, on two connections; a chunk then holds back the findings that the chunk before it
may touch (``HeldBack``) until that one has committed, so the two never insert the same finding
twice.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from siaga.events.models import Event
from siaga.events.rollups import add_rollup_rows, rollup_rows
from siaga.feeds import harmonized

SQLITE_BATCH = 500
# Harmonized fields that are not columns of the table.
NOT_STORED = frozenset({"raw"})
# Siaga's own columns, as the pipeline names them in the frame.
OWN_COLUMNS = {
    "constituent": "constituent_id",
    "constituent_matched_by": "matched_by",
    "severity": "severity",
    "warninglisted": "warninglisted",
    "intel_matched": "intel_matched",
    "count": "count",
    "last_seen": "last_seen",
    "dedupe_key": "dedupe_key",
    "report_id": "report_id",
    "_row": "report_row",
    "_offset": "report_offset",
}


def column_of(field: str) -> str:
    """The table column of a harmonized field (``source.geolocation.cc`` → ``source_geolocation_cc``)."""
    return field.replace(".", "_")


STORED_FIELDS = [field for field in harmonized.FIELDS if field not in NOT_STORED]
TEXT_COLUMNS = frozenset(
    column_of(field)
    for field, dtype in harmonized.FIELDS.items()
    if field not in NOT_STORED
    and dtype == pl.String()
    and field not in {"source.ip", "destination.ip", "extra"}
)


def dedupe_window() -> timedelta:
    return timedelta(hours=getattr(settings, "SIAGA_EVENT_DEDUPE_HOURS", 24))


@dataclass
class StoreResult:
    stored: int = 0  # new rows
    merged: int = 0  # findings counted on a row that was already there (this batch or stored)
    # With ``defer_rollup``: the daily roll-up rows the caller adds later (``rollups``).
    rollup: pl.DataFrame | None = None


@dataclass(frozen=True)
class StagedEvents:
    """A keyed frame made ready to store without the database (``stage_events``): what storing
    then does inside the transaction is only what depends on the stored events."""

    events: int  # the frame's events: each becomes a new row or is counted on one
    findings: pl.DataFrame  # one row per finding (``_collapse``)
    columns: list[str]  # the table's columns, as ``rows`` or ``copy_text`` give them
    # The findings as the table's rows — or, on PostgreSQL, as COPY text, one line per finding
    # (only one of the two is kept: a chunk waiting to be stored holds one copy of its rows).
    # The rows are kept instead of the text when a value holds a line break, as the text could
    # not be split into the lines of the new findings.
    rows: pl.DataFrame | None = None
    copy_text: str | None = None

    def rows_of(self, is_new: pl.Series) -> pl.DataFrame:
        assert self.rows is not None  # staged without COPY text, or with a line break
        return self.rows.filter(is_new)


def stage_events(
    frame: pl.DataFrame, *, report_id: int | None, copy: bool | None = None
) -> StagedEvents:
    """Collapse a keyed frame's repeats and write its findings as table rows (for ``copy`` —
    default: on PostgreSQL — as COPY text). Needs no database, so the pipeline does it for the
    next chunk in the preparing thread while this one's transaction runs: ~30 ms of a
    16,000-row chunk fewer on the path that PostgreSQL's backend waits on."""
    if frame.height == 0:
        return StagedEvents(0, frame, [])  # nothing to count (every row was quarantined)
    findings = _collapse(frame)
    table = _table(findings, report_id)
    if copy is None:
        copy = connection.vendor == "postgresql"
    if copy:
        text = _copy_text(table)
        if text.count("\n") == table.height:  # no quoted value holds a line break
            return StagedEvents(frame.height, findings, table.columns, copy_text=text)
    return StagedEvents(frame.height, findings, table.columns, rows=table)


@dataclass(frozen=True)
class HeldBack:
    """What a chunk waits for when the chunk before it is stored at the same time, on another
    connection (``siaga.feeds.pipeline``): the findings whose keys that chunk holds (``keys``)
    may repeat an event it is storing or counting, so they are looked up and stored only once
    ``wait()`` has returned (that chunk committed; it raises if that chunk failed). The other
    findings cannot: every event that chunk touches has one of its keys, so they are looked up
    and copied at once, beside it. (Read committed, PostgreSQL's and Django's default: each
    statement sees what has been committed before it started.)"""

    keys: pl.Series
    wait: Callable[[], None]


def store_events(
    frame: pl.DataFrame, *, report_id: int | None, defer_rollup: bool = False
) -> StoreResult:
    """Write a keyed frame (``dedupe_key``, ``severity``, ``constituent`` ...) in the caller's
    transaction; see the module's docstring. The daily roll-ups get the frame's counts at once,
    or, with ``defer_rollup``, the result carries them for the caller to add."""
    return store_staged(stage_events(frame, report_id=report_id), defer_rollup=defer_rollup)


def store_staged(
    staged: StagedEvents, *, defer_rollup: bool = False, held_back: HeldBack | None = None
) -> StoreResult:
    """``store_events`` for a frame staged beforehand (``stage_events``); with ``held_back``, the
    findings that the chunk before may touch are stored after it has committed."""
    if staged.events == 0:
        return StoreResult()
    findings = staged.findings
    keys = findings.get_column("dedupe_key")
    later = keys.is_in(held_back.keys.implode()) if held_back is not None else None
    matches: dict[int, int] = {}
    is_new = pl.repeat(False, findings.height, dtype=pl.Boolean, eager=True)
    for part, after_wait in _parts(later, findings.height):
        if after_wait:
            assert held_back is not None
            held_back.wait()
        if not part.any():
            continue
        found = _stored_matches(findings.filter(part))
        repeats = keys.is_in(list(found))
        if found:
            _raise_counts(findings.filter(part & repeats), found)
        new = part & ~repeats
        if connection.vendor == "postgresql":
            _copy(staged, new)
        else:
            _bulk_create(staged.rows_of(new))
        matches |= found
        is_new |= new
    rollup = rollup_rows(findings, merged=matches.keys())
    if not defer_rollup:
        add_rollup_rows(rollup)
    stored = int(is_new.sum())
    # Every event of the frame is either a new row or counted on one (in the frame or stored).
    return StoreResult(
        stored=stored,
        merged=staged.events - stored,
        rollup=rollup if defer_rollup else None,
    )


def _parts(later: pl.Series | None, height: int) -> list[tuple[pl.Series, bool]]:
    """The findings stored at once and, when some are held back (``later``), those stored after
    the wait."""
    if later is None:
        return [(pl.repeat(True, height, dtype=pl.Boolean, eager=True), False)]
    return [(~later, False), (later, True)]


def _collapse(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per finding: the first (by report row), with how often it came and when last."""
    seen = pl.coalesce(pl.col("time.source"), pl.col("time.observation"))
    return (
        frame.with_columns(seen.alias("_seen"))
        .sort("_row")
        .group_by("dedupe_key", maintain_order=True)
        .agg(
            pl.all().exclude("_seen").first(),
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("_seen").max().alias("last_seen"),
        )
    )


def _stored_matches(findings: pl.DataFrame) -> dict[int, int]:
    """dedupe key → id of the stored event that a finding repeats: the same key, last seen within
    the window of the finding's own time (reports may arrive late or out of order)."""
    window = dedupe_window()
    seen = findings.get_column("last_seen")
    since: datetime = seen.min() - window  # type: ignore[operator, assignment]
    until: datetime = seen.max() + window  # type: ignore[operator, assignment]
    stored = _candidates(findings.select("source.ip", "dedupe_key"), since, until)
    if not stored:
        return {}
    candidates = pl.DataFrame(
        stored,
        schema={"dedupe_key": pl.Int64, "id": pl.Int64, "stored_seen": harmonized.UTC_TIME},
        orient="row",
    )
    close = (
        findings.select("dedupe_key", "last_seen")
        .join(candidates, on="dedupe_key")
        .filter((pl.col("last_seen") - pl.col("stored_seen")).abs() <= window)
        .sort("id")
    )
    return dict(close.select("dedupe_key", "id").iter_rows())


def _candidates(
    findings: pl.DataFrame, since: datetime, until: datetime
) -> list[tuple[int, int, datetime]]:
    """Stored (key, id, last seen) of these findings' keys within [since, until].

    The index that finds them is on (address, key) — the address is part of the key — so the
    findings are looked up by both: those with an address by the pair, the others by the key
    among the rows without one."""
    has_ip = findings.get_column("source.ip").is_not_null()
    with_ip = findings.filter(has_ip)
    without_ip = findings.filter(~has_ip)
    if connection.vendor == "postgresql":
        return _candidates_postgresql(
            _array_text(with_ip.get_column("source.ip")),
            _array_text(with_ip.get_column("dedupe_key")),
            _array_text(without_ip.get_column("dedupe_key")),
            since,
            until,
        )
    ips = with_ip.get_column("source.ip").to_list()
    keys = with_ip.get_column("dedupe_key").to_list()
    keys_without_ip = without_ip.get_column("dedupe_key").to_list()
    window = {"last_seen__gte": since, "last_seen__lte": until}
    stored: list[tuple[int, int, datetime]] = []
    for start in range(0, len(keys), SQLITE_BATCH):
        stored += Event.objects.filter(
            source_ip__in=ips[start : start + SQLITE_BATCH],
            dedupe_key__in=keys[start : start + SQLITE_BATCH],
            **window,
        ).values_list("dedupe_key", "id", "last_seen")
    for start in range(0, len(keys_without_ip), SQLITE_BATCH):
        stored += Event.objects.filter(
            source_ip__isnull=True,
            dedupe_key__in=keys_without_ip[start : start + SQLITE_BATCH],
            **window,
        ).values_list("dedupe_key", "id", "last_seen")
    return stored


def _array_text(values: pl.Series) -> str:
    """A column as one comma-separated text, for ``string_to_array(%s, ',', 'NULL')::type[]``
    (``_ARRAY``): polars writes it in ~1 ms where psycopg adapts a 16,000-item list to an array
    in ~17 ms, on the path that PostgreSQL's backend waits on. Only for values without commas:
    numbers, addresses and times. A null is written NULL, so arrays of one chunk stay aligned."""
    return values.cast(pl.String).fill_null("NULL").str.join(",").item() or ""


_ARRAY = "string_to_array(%s, ',', 'NULL')"


def _candidates_postgresql(
    ips: str, keys: str, keys_without_ip: str, since: datetime, until: datetime
) -> list[tuple[int, int, datetime]]:
    """One index probe per finding, whatever the planner believes of the table.

    Each finding is probed by a ``LATERAL`` subquery that ``OFFSET 0`` keeps from being merged
    into a join: before autovacuum's analyze the planner takes a freshly loaded table for nearly
    empty, and as a join it put the table on the outside of a nested loop (scanning all of it
    once per finding) or hashed all of it once per chunk (1.3 s for 900,000 events). The
    findings are probed in the index's order (``ORDER BY``): neighbouring probes share pages."""
    table = Event._meta.db_table
    window = "last_seen BETWEEN %s AND %s OFFSET 0"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")  # see _raise_counts_postgresql
        cursor.execute(
            f"SELECT e.* FROM (SELECT * FROM unnest({_ARRAY}::inet[], {_ARRAY}::bigint[]) "  # noqa: S608 (table name)
            "AS u(ip, key) ORDER BY ip, key) AS f "
            f"CROSS JOIN LATERAL (SELECT dedupe_key, id, last_seen FROM {table} "
            f"WHERE source_ip = f.ip AND dedupe_key = f.key AND {window}) AS e "
            "UNION ALL "
            f"SELECT e.* FROM unnest({_ARRAY}::bigint[]) AS f(key) "
            f"CROSS JOIN LATERAL (SELECT dedupe_key, id, last_seen FROM {table} "
            f"WHERE source_ip IS NULL AND dedupe_key = f.key AND {window}) AS e",
            [ips, keys, since, until, keys_without_ip, since, until],
        )
        found = list(cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
        cursor.execute("SET LOCAL jit TO DEFAULT")
    return found


def _raise_counts(known: pl.DataFrame, existing: dict[int, int]) -> None:
    ids = known.get_column("dedupe_key").replace_strict(existing, return_dtype=pl.Int64)
    if connection.vendor == "postgresql":
        _raise_counts_postgresql(
            _array_text(ids),
            _array_text(known.get_column("count")),
            _array_text(known.get_column("last_seen")),
        )
        return
    counts = known.get_column("count").to_list()
    seen = known.get_column("last_seen").to_list()
    events = Event.objects.in_bulk(ids.to_list())
    for pk, count, last in zip(ids.to_list(), counts, seen, strict=True):
        event = events[pk]
        event.count += int(count)
        event.last_seen = max(event.last_seen, last) if last else event.last_seen
    Event.objects.bulk_update(
        list(events.values()), ["count", "last_seen"], batch_size=SQLITE_BATCH
    )


def _raise_counts_postgresql(ids: str, counts: str, seen: str) -> None:
    """One statement for the chunk's repeats (the columns as ``_array_text``).

    Its plan must not depend on the table's statistics, which are stale after a bulk load
    (before autovacuum's analyze the planner takes the table for nearly empty): the events are
    found by primary key (``id = ANY``; sequential scans off for this statement) and joined to
    the new counts by a hash or merge join (nested loops off: with the table taken for empty, a
    nested loop walked the whole primary key once per chunk). One statement per event in a
    pipeline was safe too but paid ~100 µs of round trip and parsing per event (10 s per 100,000
    repeats). The table leaves room on each page (fillfactor, migration 0003): the new row
    versions are heap-only and touch no index.

    Both this statement and the repeat lookup run without JIT compilation: on a large table
    whose statistics are current, the estimates of a chunk's 16,000 probes pass
    ``jit_above_cost`` and PostgreSQL compiled the statement each time — ~300 ms a chunk for a
    lookup whose probes take ~45 ms (measured on 9M stored events)."""
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"UPDATE {table} AS e SET count = e.count + u.added, "  # noqa: S608 (table name)
            "last_seen = GREATEST(e.last_seen, u.seen) "
            f"FROM unnest({_ARRAY}::bigint[], {_ARRAY}::bigint[], {_ARRAY}::timestamptz[]) "
            f"AS u(id, added, seen) WHERE e.id = ANY({_ARRAY}::bigint[]) AND e.id = u.id",
            [ids, counts, seen, ids],
        )
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        cursor.execute("SET LOCAL jit TO DEFAULT")


def _table(findings: pl.DataFrame, report_id: int | None) -> pl.DataFrame:
    """The findings as table columns: text columns never null (Django's blank text is '')."""
    findings = findings.with_columns(pl.lit(report_id, dtype=pl.Int64).alias("report_id"))
    if "_offset" in findings.columns:
        # The line in the stored report holds the extra columns (see Event.report_offset).
        findings = findings.with_columns(pl.lit(None, pl.String).alias("extra"))
    else:
        findings = harmonized.extra_to_json(findings).with_columns(
            pl.lit(None, pl.Int64).alias("_offset")
        )
    columns = [
        (pl.col(field).fill_null("") if column_of(field) in TEXT_COLUMNS else pl.col(field)).alias(
            column_of(field)
        )
        for field in STORED_FIELDS
    ]
    columns += [
        (pl.col(name).fill_null("") if column == "matched_by" else pl.col(name)).alias(column)
        for name, column in OWN_COLUMNS.items()
    ]
    return findings.select(columns).with_columns(
        pl.col("time_observation").fill_null(pl.col("last_seen"))
    )


def _copy_text(table: pl.DataFrame) -> str:
    return table.write_csv(
        include_header=False,
        datetime_format="%Y-%m-%d %H:%M:%S%.6f+00",
        quote_style="necessary",
    )


def _copy(staged: StagedEvents, is_new: pl.Series) -> None:
    """COPY the new findings: the staged text as it is when all are new, its lines of the new
    ones when some were repeats (joining kept lines costs ~1 ms where writing them again costs
    ~20), or their rows written now when the text could not be split into lines."""
    if not is_new.any():
        return
    text = staged.copy_text
    if text is None:
        text = _copy_text(staged.rows_of(is_new))
    elif not is_new.all():
        lines = text.split("\n")  # one per finding, and the empty rest after the last
        text = "\n".join(itertools.compress(lines, is_new.to_list())) + "\n"
    names = staged.columns
    statement = f"COPY {Event._meta.db_table} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.write(text)


def _bulk_create(table: pl.DataFrame) -> None:
    events = [_event(row) for row in table.iter_rows(named=True)]
    Event.objects.bulk_create(events, batch_size=SQLITE_BATCH)


def _event(row: dict[str, Any]) -> Event:
    if row.get("extra"):
        row["extra"] = json.loads(row["extra"])
    return Event(**row)
