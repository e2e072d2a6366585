"""From a stored report to stored events: parse → enrich → attribute → key → store, chunk by chunk.

Everything between reading and storing works on whole polars frames (see ``harmonized``). A
Shadowserver report is read in chunks of ``SIAGA_FEED_CHUNK_KB`` cut at line ends, so memory stays flat
whatever the file's size; the other formats are small lists and are read whole.

Each chunk's events, quarantined rows and ``ReportChunk`` row commit in one transaction. The
report's feed names are held for the whole report (``siaga.feeds.locks``), so nothing else stores
events its findings could repeat meanwhile. On PostgreSQL two chunks are stored at once, each on
a connection of its own (``two_writers_apply``): a chunk holds back the findings whose keys the
chunk before it holds until that one has committed (``siaga.events.actions.HeldBack``), and
commits after it, so the deduplication never misses a finding and the stored chunks are always
the report's first ones. Elsewhere chunks are stored one at a time, under the feed's row lock. A
chunk that is already recorded is skipped, so processing a report again after a crash neither
loses nor doubles events.
"""

from __future__ import annotations

import functools
import hashlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from siaga.constituents.lookup import OwnershipIndex, current_index
from siaga.events.actions import HeldBack, StagedEvents, stage_events, store_staged
from siaga.events.choices import Severity
from siaga.events.rollups import add_rollup_rows, combined, packed, unpacked
from siaga.feeds import harmonized, locks
from siaga.feeds.attribution import CONSTITUENT, attribute
from siaga.feeds.choices import FeedReportStatus, ParserKind
from siaga.feeds.columns import AddressColumn
from siaga.feeds.correlating import FLAG as INTEL_FLAG
from siaga.feeds.correlating import IntelIndex, current_intel_index, flag_intel_matches
from siaga.feeds.enrich import enrich
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow, ReportChunk
from siaga.feeds.parsers import shadowserver
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.common import QuarantinedRow as QuarantinedRecord
from siaga.feeds.parsers.registry import parse_whole
from siaga.feeds.warninglisting import FLAG, flag_warninglisted
from siaga.warninglists.matching import WarninglistIndex
from siaga.warninglists.matching import current_index as current_warninglists


def chunk_bytes() -> int:
    """How much CSV one chunk holds (``SIAGA_FEED_CHUNK_KB``)."""
    return int(getattr(settings, "SIAGA_FEED_CHUNK_KB", 8 * 1024)) * 1024


# Severity by RSIT taxonomy, before the constituent's profile raises it.
BASE_SEVERITY = {
    "malicious-code": Severity.HIGH,
    "intrusions": Severity.HIGH,
    "intrusion-attempts": Severity.MEDIUM,
    "fraud": Severity.HIGH,
    "availability": Severity.MEDIUM,
    "vulnerable": Severity.MEDIUM,
    "information-content-security": Severity.HIGH,
    "information-gathering": Severity.LOW,
    "abusive-content": Severity.LOW,
    "other": Severity.LOW,
}
# The fields that make two events the same finding (with the feed's name).
DEDUPE_FIELDS = (
    "feed.name",
    "classification.taxonomy",
    "classification.type",
    "classification.identifier",
    "source.ip",
    "source.port",
    "source.fqdn",
    "source.url",
    "destination.ip",
    "destination.port",
    "protocol.transport",
    "malware.name",
)


# --- Preparing a parsed frame ------------------------------------------------------------------------


def prepare(
    frame: pl.DataFrame,
    index: OwnershipIndex,
    raised: frozenset[int],
    warninglists: WarninglistIndex | None = None,
    intel: IntelIndex | None = None,
) -> pl.DataFrame:
    """Enrich, attribute, grade, flag and key a parsed frame (everything but storage).

    ``raised``: organizations whose events are one step more severe (vital information
    infrastructure, personal health data); ``warninglists``: the enabled lists (none: no flags);
    ``intel``: the intelligence store's alerting indicators (none: no event is flagged)."""
    addresses: dict[str, AddressColumn] = {}  # each address column's numbers, computed once
    frame = attribute(enrich(frame, addresses=addresses), index, addresses=addresses)
    # Flags without their lists are plain literals, added with the rest in one step.
    constant_flags = []
    if warninglists is not None:
        frame = flag_warninglisted(frame, warninglists, addresses=addresses)
    else:
        constant_flags.append(pl.lit(False).alias(FLAG))
    if intel is not None:
        frame = flag_intel_matches(frame, intel, addresses=addresses)
    else:
        constant_flags.append(pl.lit(False).alias(INTEL_FLAG))
    return frame.with_columns(*constant_flags, _severity(raised), _dedupe_key(frame))


def _severity(raised: frozenset[int]) -> pl.Expr:
    base = pl.col("classification.taxonomy").replace_strict(
        {name: int(level) for name, level in BASE_SEVERITY.items()},
        default=int(Severity.LOW),
        return_dtype=pl.Int16,
    )
    bump = pl.col(CONSTITUENT).is_in(sorted(raised)).fill_null(False).cast(pl.Int16)
    return pl.min_horizontal(base + bump, pl.lit(int(Severity.CRITICAL), pl.Int16)).alias(
        "severity"
    )


def _dedupe_key(frame: pl.DataFrame) -> pl.Expr:
    """A 64-bit hash of the finding's fields. polars' hash is stable for one polars version (the
    lock file pins it); after an upgrade, findings of the running window may be stored twice once.

    The hashed text is each field's text, separated by ``\x1f``. Fields that are the same in
    every row of the frame (the feed and classification of a report; the fields it never fills)
    are joined into literal pieces first: the same text, a third of the work per row."""
    pieces: list[pl.Expr] = []
    literal = ""
    for position, name in enumerate(DEDUPE_FIELDS):
        if position:
            literal += "\x1f"
        part = _key_part(frame, name)
        if isinstance(part, str):
            literal += part
            continue
        if literal:
            pieces.append(pl.lit(literal))
            literal = ""
        pieces.append(part)
    if literal or not pieces:
        pieces.append(pl.lit(literal))
    return (
        pl.concat_str(pieces, separator="")
        .hash(seed=0x51A6A)
        .reinterpret(signed=True)
        .alias("dedupe_key")
    )


def _key_part(frame: pl.DataFrame, name: str) -> pl.Expr | str:
    """A field's text in the deduplication key: a column, or the text of every row."""
    column = frame.get_column(name)
    if column.null_count() == frame.height:
        return ""
    # Comparing with the first value is a fifteenth of ``n_unique``'s cost (no hashing).
    if column.dtype == pl.String and column.null_count() == 0 and (column == column[0]).all():
        return str(column[0])
    return pl.col(name).cast(pl.String).fill_null("")


def raised_organizations() -> frozenset[int]:
    """Constituents whose events are more severe: vital information infrastructure (IIV) or
    holding personal health data."""
    from django.db.models import Q

    from siaga.constituents.models import ConstituentProfile

    return frozenset(
        ConstituentProfile.objects.filter(
            Q(is_vital_infrastructure=True) | Q(holds_personal_health_data=True)
        ).values_list("organization_id", flat=True)
    )


# --- Reading a stored report in chunks --------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    first_row: int  # the report row number of the first line (rows count lines after the header)
    offset: int  # where the chunk starts in the file
    data: bytes  # whole lines


def chunks(path: Path, size: int | None = None) -> Iterator[Chunk]:
    """The lines after the header line of a CSV file, in chunks of about ``size`` bytes (default: ``chunk_bytes()``)."""
    with path.open("rb") as handle:
        offset = len(handle.readline())  # the header
        first_row = 1
        while True:
            lines = handle.read(size or chunk_bytes())
            if not lines:
                break
            if not lines.endswith(b"\n"):
                # The rest of the last line (one copy of the chunk; cutting the block at its last
                # newline and carrying the remainder over took two: 0.2 s per 1M rows).
                lines += handle.readline()
            yield Chunk(first_row, offset, lines)
            first_row += line_count(lines)
            offset += len(lines)


def line_count(lines: bytes) -> int:
    """The newlines in a block. numpy's comparison is vectorised and lets go of the GIL (the
    next chunk is parsed in another thread meanwhile); ``bytes.count`` is a byte-by-byte loop that
    holds it: 2.8 → 1.4 ms for 8 MB."""
    return int(np.count_nonzero(np.frombuffer(lines, dtype=np.uint8) == ord("\n")))


def header_of(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.readline().decode("utf-8", errors="replace").removeprefix("\ufeff")


# --- Processing a report ------------------------------------------------------------------------------


@dataclass
class Progress:
    rows: int = 0
    stored: int = 0
    merged: int = 0
    quarantined: int = 0
    chunks_skipped: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, chunk: ChunkCounts) -> None:
        self.rows += chunk.rows
        self.stored += chunk.stored
        self.merged += chunk.merged
        self.quarantined += chunk.quarantined


ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes in all)


def process_report(
    report: FeedReport, path: Path, *, progress: ProgressCallback | None = None
) -> Progress:
    """Process a stored report; chunks stored by an earlier run are skipped."""
    context = current_context()
    observed = report.received_at.astimezone(UTC)
    done = set(report.chunks.values_list("first_row", flat=True))
    total = path.stat().st_size
    result = Progress()
    FeedReport.objects.filter(pk=report.pk).update(status=FeedReportStatus.PROCESSING, error="")
    # The findings are staged for storing while the previous chunk is stored (no database).
    staging = functools.partial(
        stage_events, report_id=report.pk, copy=connection.vendor == "postgresql"
    )
    try:
        parsed, feed_names = _parsed_chunks(report, path, observed, done)
        prepared = prepared_chunks(parsed, context, staging=staging)
        waiting = None if progress is None else functools.partial(progress, 0, total)
        with locks.held_for_report(feed_names, waiting=waiting):
            _store_chunks(report, ahead(prepared), result, progress, total)
    finally:
        # The stored chunks' counts reach the statistics even when a later chunk failed.
        add_chunk_rollups(report)
    _finish(report, result)
    return result


def _store_chunks(
    report: FeedReport,
    prepared: Iterator[tuple[int, PreparedChunk | None, int]],
    result: Progress,
    progress: ProgressCallback | None,
    total: int,
) -> None:
    try:
        if two_writers_apply():
            _stored_beside(report, prepared, result, progress, total)
        else:
            _stored_one_by_one(report, prepared, result, progress, total)
    finally:
        close = getattr(prepared, "close", None)
        if close is not None:
            close()  # a failed chunk stops the reading at once


def _stored_one_by_one(
    report: FeedReport,
    prepared: Iterator[tuple[int, PreparedChunk | None, int]],
    result: Progress,
    progress: ProgressCallback | None,
    total: int,
) -> None:
    position = 0
    for first_row, ready, size in prepared:
        position += size
        if ready is None:
            result.chunks_skipped += 1
        else:
            result.add(_store_chunk_and_forget_queries(report, first_row, ready))
        if progress is not None:
            progress(position, total)


def two_writers_apply() -> bool:
    """Whether two chunks are stored at once, each on a connection of its own: on PostgreSQL,
    unless this connection is inside a transaction (a caller's, a test's), whose writes the other
    connections would not see."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


WRITERS = 2


def _stored_beside(
    report: FeedReport,
    prepared: Iterator[tuple[int, PreparedChunk | None, int]],
    result: Progress,
    progress: ProgressCallback | None,
    total: int,
) -> None:
    """Chunks stored two at a time, in turn on two threads with a connection each.

    One PostgreSQL backend copying into the events table — whose indexes cost more than the rows
    — was the pipeline's critical path while the machine's second core was partly idle; two
    backends copy ~1.5 times as many rows a second (measured on two cores). Chunk N starts once
    chunk N-2 (the same thread's last) has committed: only N-1 may still be in flight, so N holds
    back the findings whose keys N-1 holds until N-1 has committed (``HeldBack``), and commits
    after it. Chunks are reported done in the report's order; the first failure is raised after
    the chunk beside it has finished (it fails too: it waited for the failed one)."""
    writers = [
        ThreadPoolExecutor(1, thread_name_prefix=f"feeds-store-{number}")
        for number in range(WRITERS)
    ]
    in_flight: deque[tuple[Future[ChunkCounts] | None, int]] = deque()
    position = 0

    def settle(limit: int) -> None:
        """Take the finished chunks, in order, until at most ``limit`` are in flight."""
        nonlocal position
        while in_flight and (
            in_flight[0][0] is None or sum(job is not None for job, _ in in_flight) > limit
        ):
            job, size = in_flight.popleft()
            if job is None:
                result.chunks_skipped += 1
            else:
                result.add(job.result())
            position += size
            if progress is not None:
                progress(position, total)

    try:
        before = HeldBack(_keys_of(None), _nothing)
        turn = 0
        for first_row, ready, size in prepared:
            if ready is None:  # stored by an earlier run
                in_flight.append((None, size))
                settle(WRITERS - 1)
                continue
            settle(WRITERS - 1)
            job = writers[turn].submit(
                _store_chunk_and_forget_queries, report, first_row, ready, before
            )
            in_flight.append((job, size))
            before = HeldBack(_keys_of(ready), functools.partial(_committed, job))
            turn = (turn + 1) % WRITERS
        settle(0)
    finally:
        for writer in writers:  # the chunks in flight finish first (each thread's queue)
            writer.submit(_close_connection)
            writer.shutdown(wait=True)


def _nothing() -> None:
    """The first chunk stored has no chunk before it to wait for."""


def _committed(job: Future[ChunkCounts]) -> None:
    """Wait for a chunk stored on the other connection (its error is raised here too)."""
    job.result()


def _store_chunk_and_forget_queries(
    report: FeedReport, first_row: int, ready: PreparedChunk, before: HeldBack | None = None
) -> ChunkCounts:
    try:
        return _store_chunk(report, first_row, ready, before)
    finally:
        # With DEBUG on (the embedded installation), Django keeps the text of each connection's
        # last 9,000 queries, and a chunk's repeat lookup carries its findings' keys: ~100 MB
        # more for a 10M-row report. A worker has no request whose end would clear them.
        reset_queries()


def _keys_of(ready: PreparedChunk | None) -> pl.Series:
    """The dedupe keys a chunk stores or counts (none when it was stored before)."""
    if ready is None or ready.staged is None or ready.staged.events == 0:
        return pl.Series("dedupe_key", [], dtype=pl.Int64)
    return ready.staged.findings.get_column("dedupe_key")


def _close_connection() -> None:
    """Close the calling thread's own database connection (a writer's)."""
    connection.close()


Context = tuple[OwnershipIndex, frozenset[int], WarninglistIndex | None, IntelIndex | None]


def current_context() -> Context:
    """What ``prepare`` needs besides the frame, loaded once per report (in the thread that may
    use the database)."""
    return current_index(), raised_organizations(), current_warninglists(), current_intel_index()


@dataclass(frozen=True)
class PreparedChunk:
    quarantine: list[QuarantinedRecord]  # the chunk's rows that could not be read
    rows: int  # the chunk's records: events and quarantined rows
    # The parsed events enriched, attributed, graded and keyed; None once they are staged for
    # storing (``stage_events``): a chunk waiting in the queue holds one copy of its rows.
    frame: pl.DataFrame | None
    staged: StagedEvents | None = None


Staging = Callable[[pl.DataFrame], StagedEvents]


def _prepared(parsed: ParseResult, context: Context, staging: Staging | None) -> PreparedChunk:
    frame = prepare(harmonized.conform(parsed.events), *context)
    if staging is None:
        return PreparedChunk(parsed.quarantine, parsed.total, frame)
    return PreparedChunk(parsed.quarantine, parsed.total, None, staging(frame))


# (first row, the chunk's parse finished by calling it — None: stored already —, its size)
ParsedChunks = Iterator[tuple[int, Callable[[], ParseResult] | None, int]]


# Chunks converted and prepared at once, each in a thread of its own. Converting and preparing
# an 8 MB chunk takes longer than reading the next (~37 against ~25 ms of CPU, measured on one
# core), so with one preparing thread the reading thread waited and the second core idled.
PREPARING_THREADS = 2


def prepared_chunks(
    parsed: ParsedChunks,
    context: Context,
    *,
    staging: Staging | None = None,
    threads: int = PREPARING_THREADS,
) -> Iterator[tuple[int, PreparedChunk | None, int]]:
    """Each parsed chunk enriched, attributed, graded, flagged and keyed (and, with ``staging``,
    staged for storing), in the order of the report.

    The chunks are read (the CSV reader: about half the work) in a thread of their own, one
    ahead, and ``threads`` chunks are finished and prepared at once: all mostly polars and numpy
    work, which releases the interpreter lock, so on two cores the stages overlap."""

    def prepare_one(
        item: tuple[int, Callable[[], ParseResult] | None, int],
    ) -> tuple[int, PreparedChunk | None, int]:
        first_row, finish, size = item
        return first_row, None if finish is None else _prepared(finish(), context, staging), size

    return in_order(prepare_one, ahead(parsed, name="feeds-parse"), threads)


def in_order[T, R](
    work: Callable[[T], R], items: Iterator[T], threads: int, *, name: str = "feeds-prepare"
) -> Generator[R, None, None]:
    """``work(item)`` for each item, ``threads`` items at a time in threads of their own, the
    results in the items' order. An error that ``work`` raises is raised here, in its item's
    place; closing the generator early cancels the items not started and closes ``items``."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name) as pool:
        waiting: deque[Future[R]] = deque()
        try:
            for item in items:
                waiting.append(pool.submit(work, item))
                if len(waiting) >= threads:
                    yield waiting.popleft().result()
            while waiting:
                yield waiting.popleft().result()
        finally:
            for job in waiting:
                job.cancel()
            close = getattr(items, "close", None)
            if close is not None:
                close()


_DONE = object()


def ahead(
    items: Iterator[Any], depth: int = 1, *, name: str = "feeds-prepare"
) -> Generator[Any, None, None]:
    """The items of ``items``, produced in a thread up to ``depth`` ahead of the consumer.

    The pipeline reads and prepares the next chunk (polars and numpy: they release the GIL) while
    the current ones are stored (the database works in its own processes): on two cores the
    two halves overlap. The producer touches no database connection — everything it needs was
    loaded before — and an error on either side stops both: the producer's is raised here."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[Any, BaseException | None]) -> bool:
        """Put unless the consumer has gone (it would never take it: the producer must end)."""
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
            offer((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            offer((_DONE, exc))
        finally:
            # A generator that is itself reading ahead (``prepared_chunks``) stops its own
            # producer now, not whenever it is collected.
            close = getattr(items, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while True:
            item, error = slots.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        producer.join()


def _parsed_chunks(
    report: FeedReport, path: Path, observed: datetime, done: set[int]
) -> tuple[ParsedChunks, frozenset[str]]:
    """Chunks parsed one by one (a generator that ``ahead`` runs in its own thread: what needs
    the database is looked up here, before the first chunk is asked for), and the feed names of
    their events: what the report holds while it stores them (``siaga.feeds.locks``)."""
    parser_kind = report.feed.parser
    if parser_kind == ParserKind.SHADOWSERVER:
        report_type = report_type_of(report)
        parser = shadowserver.ChunkParser(
            report_type, header_of(path), observation_time=observed, keep_extra=False
        )
        # Every event of the report is named after its type (a constant of the selection).
        return shadowserver_chunks(parser, path, done), frozenset({report_type.feed_name})
    return _whole_file(parser_kind, parser_mapping(report.feed), path, observed, done)


def feed_names_of(events: pl.DataFrame) -> frozenset[str]:
    """The feed names of parsed events, as their deduplication keys hold them (none: "")."""
    if events.height == 0:
        return frozenset()  # nothing to store, nothing to hold
    if "feed.name" not in events.columns:
        return frozenset({""})  # ``harmonized.conform`` gives them an empty one
    return frozenset(events.get_column("feed.name").fill_null("").unique().to_list())


def parser_mapping(feed: Feed) -> dict[str, Any]:
    """The feed's mapping for the mapped parsers, its events named after the feed (and its
    provider) unless the mapping says otherwise."""
    mapping = dict(feed.mapping or {})
    constants = mapping.get("constants", {})
    if isinstance(constants, dict):
        defaults = {"feed.name": feed.name, "feed.provider": feed.provider}
        mapping["constants"] = {
            **{key: value for key, value in defaults.items() if value},
            **constants,
        }
    return mapping


def shadowserver_chunks(
    parser: shadowserver.ChunkParser, path: Path, done: AbstractSet[int] = frozenset()
) -> ParsedChunks:
    """The chunks of a Shadowserver report, parsed (None: already stored, in ``done``)."""
    for chunk in chunks(path):
        if chunk.first_row in done:
            yield chunk.first_row, None, len(chunk.data)
            continue
        read = parser.read(chunk.data, first_row=chunk.first_row, first_offset=chunk.offset)
        yield chunk.first_row, functools.partial(parser.convert, read), len(chunk.data)


def _whole_file(
    parser_kind: str, mapping: dict[str, Any], path: Path, observed: datetime, done: set[int]
) -> tuple[ParsedChunks, frozenset[str]]:
    """The report parsed at once, here (a list small enough to read whole): its events' feed
    names come from the mapping or the rows, and are known only once it is parsed."""
    if 1 in done:
        return iter([(1, None, path.stat().st_size)]), frozenset()
    data = path.read_bytes()
    parsed = parse_whole(parser_kind, data, observation_time=observed, mapping=mapping)
    return iter([(1, lambda: parsed, len(data))]), feed_names_of(parsed.events)


def report_type_of(report: FeedReport) -> shadowserver.ReportType:
    schema = shadowserver.load_schema()
    found = schema.get(report.report_type) if report.report_type else None
    found = found or shadowserver.detect_report(report.file_name, schema)
    if found is None:
        raise ValueError(f"{report.file_name}: no Shadowserver report type matches this file name")
    return found


@dataclass(frozen=True)
class ChunkCounts:
    rows: int
    stored: int
    merged: int
    quarantined: int


def _store_chunk(
    report: FeedReport, first_row: int, ready: PreparedChunk, before: HeldBack | None = None
) -> ChunkCounts:
    """Store a prepared chunk in one transaction: alone (``before`` None, under the feed's row
    lock) or beside the chunk before it (``before``: what to hold back for it, and how to wait
    for its commit)."""
    staged = ready.staged
    if staged is None:
        assert ready.frame is not None  # a chunk is staged or carries its frame
        staged = stage_events(ready.frame, report_id=report.pk)
    with transaction.atomic():
        _relax_commit()
        if before is None:
            Feed.objects.select_for_update().only("pk").get(pk=report.feed_id)
        stored = store_staged(staged, defer_rollup=True, held_back=before)
        QuarantinedRow.objects.bulk_create(
            [
                QuarantinedRow(report=report, row=row.row, reason=row.reason[:500], raw=row.raw)
                for row in ready.quarantine
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        if before is not None:
            before.wait()  # committed after the chunk before it: the stored chunks come first
        ReportChunk.objects.create(
            report=report,
            first_row=first_row,
            rows=ready.rows,
            events_stored=stored.stored,
            duplicates=stored.merged,
            quarantined=len(ready.quarantine),
            rollup=packed(stored.rollup) if stored.rollup is not None else None,
        )
    return ChunkCounts(ready.rows, stored.stored, stored.merged, len(ready.quarantine))


ROLLUP_BATCH = 64  # chunks' roll-up rows summed at a time: memory stays flat for any report


def add_chunk_rollups(report: FeedReport) -> int:
    """Add the roll-up rows that the report's stored chunks keep to the daily roll-ups, and
    clear them, in one transaction; returns how many roll-up rows it touched.

    A chunk keeps its rows (``ReportChunk.rollup``) in the transaction of its events, so the
    counts are as durable as the events; adding them once per report is one upsert of a few
    thousand rows instead of one per chunk (a tenth of the storing time). Whichever run of the
    report gets here adds them — after a crash the next run adds the earlier chunks' rows with its
    own. It takes the feed's row lock first, as retrying quarantined rows does (and storing a
    chunk, where chunks are stored one at a time): one at a time, and never waiting in a cycle
    with them."""
    with transaction.atomic():
        Feed.objects.select_for_update().only("pk").get(pk=report.feed_id)
        pending = list(
            report.chunks.exclude(rollup=None).order_by("first_row").values_list("pk", flat=True)
        )
        if not pending:
            return 0
        total = combined(())
        for start in range(0, len(pending), ROLLUP_BATCH):
            batch = pending[start : start + ROLLUP_BATCH]
            blobs = ReportChunk.objects.filter(pk__in=batch).values_list("rollup", flat=True)
            total = combined([total, *(unpacked(bytes(blob)) for blob in blobs if blob)])
        touched = add_rollup_rows(total)
        ReportChunk.objects.filter(pk__in=pending).update(rollup=None)
    return touched


def _relax_commit() -> None:
    """On PostgreSQL, for this chunk's transaction:

    - its commit does not wait for its WAL to reach the disk. A crash of the database server in
      that moment loses the chunk's events *and* its ReportChunk row together, so the next run
      processes the chunk again: nothing is lost or doubled, only redone;
    - index probes are priced as on solid-state storage (``random_page_cost`` 1.1 instead of the
      default 4, which assumes spinning disks): looking up a chunk's 18,000 deduplication keys
      among a million events was planned as a scan of the whole table (205 ms) instead of
      18,000 index probes (33 ms)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")


def _finish(report: FeedReport, result: Progress) -> None:
    """The report's counts come from its chunks: right however many runs it took."""
    from django.db.models import Sum

    totals = report.chunks.aggregate(
        rows=Sum("rows"),
        stored=Sum("events_stored"),
        merged=Sum("duplicates"),
        quarantined=Sum("quarantined"),
    )
    FeedReport.objects.filter(pk=report.pk).update(
        status=FeedReportStatus.DONE,
        rows_read=totals["rows"] or 0,
        events_stored=totals["stored"] or 0,
        duplicates=totals["merged"] or 0,
        rows_quarantined=totals["quarantined"] or 0,
        processed_at=timezone.now(),
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
