"""Feed processing at national scale: Shadowserver-format reports through Siaga's pipeline.

Generates (seeded; re-runs reuse the files) a report of ``--rows`` rows in the layout of a real
Shadowserver report (``--kind``) and ``--cidrs`` constituent networks (``generate.py``), then
measures, each in its own pass over the file:

1. parse + enrich (ASN and geolocation from the MaxMind test databases when ../shared/data is
   here) + attribute to constituents + grade and key — everything but storage — chunk by chunk;
2. with ``--store``: end to end on PostgreSQL — the report received (stored raw, checksummed),
   processed into the events table (deduplicated, COPY) — in a database of its own, emptied
   first; with ``--second-report`` then a report of other findings for the same constituents on
   top of those events, the table's statistics current: a deployment's steady state, where the
   planner knows the table is large, rather than its first report.

Prints events/s and the peak RSS (``ru_maxrss``) of each pass, and per stage: the parse path once
more one stage after the other in a process of its own (read, convert, enrich, attribute, grade/flag/
key: seconds and rows/s each), the end-to-end pass split into what the writer spent on each step of
storing. ``--calibrate`` first measures what this machine does without Siaga (polars reading the
file's columns, numpy's searchsorted, PostgreSQL's COPY into a table without indexes), so figures
taken on different machines can be compared.

    .venv/bin/python -m benchmarks.feeds.bench_pipeline --rows 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench_feeds \\
        .venv/bin/python -m benchmarks.feeds.bench_pipeline --rows 1000000 --store
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
MMDB = ROOT.parent / "shared" / "data" / "mmdb"
WORK = Path(tempfile.gettempdir()) / "siaga-bench-feeds"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(store: bool) -> None:
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    # As a production worker runs: with DEBUG on, Django also formats and keeps the text of every
    # query (measured: ~15 % of the end-to-end time on 1M rows).
    os.environ.setdefault("SIAGA_DEBUG", "false")
    if MMDB.exists():
        os.environ.setdefault("SIAGA_MMDB_ASN", str(MMDB / "GeoLite2-ASN-Test.mmdb"))
        os.environ.setdefault("SIAGA_MMDB_CITY", str(MMDB / "GeoIP2-City-Test.mmdb"))
    if store:
        url = os.environ.setdefault(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siaga_bench_feeds"
        )
        if not url.startswith("postgres"):
            sys.exit("--store measures the PostgreSQL path: set DATABASE_URL to PostgreSQL")
        from benchmarks.bench_stix_import import ensure_postgres_database

        ensure_postgres_database(url)
    import django

    django.setup()


def inputs(rows: int, cidrs: int, kind: str, seed: int) -> tuple[Path, list[tuple[int, str]]]:
    from benchmarks.feeds import generate

    networks = generate.constituent_networks(cidrs, seed=seed)
    return report_file(rows, cidrs, kind, seed, networks), networks


def report_file(
    rows: int,
    cidrs: int,
    kind: str,
    seed: int,
    networks: list[tuple[int, str]],
    report_seed: int | None = None,
) -> Path:
    """The generated report (made once, then reused); ``report_seed``: a report of other findings
    for the same constituents (default: ``seed``).

    Generated in a process of its own: the generator peaks at ~0.7 GB (``generate.CHUNK_ROWS``),
    and the peak RSS this process prints (``ru_maxrss``, the process's high-water mark) would
    carry that into every figure after it. The 710 to 804 MB peaks that earlier sessions could not
    explain were runs that generated their input first."""
    import multiprocessing

    WORK.mkdir(exist_ok=True)
    report_seed = seed if report_seed is None else report_seed
    suffix = "" if report_seed == seed else f"-report{report_seed}"
    path = WORK / f"2026-11-29-{kind}-bench-{rows}-{cidrs}-{seed}{suffix}.csv"
    if not path.exists():
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pool.apply(_generate, (path, rows, report_seed, networks, kind))
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _generate(path: Path, rows: int, seed: int, networks: list[tuple[int, str]], kind: str) -> None:
    """Write the report under a temporary name first: an interrupted run leaves no short file
    that the next run would take for the whole report."""
    from benchmarks.feeds import generate

    partial = path.with_name(path.name + ".partial")
    generate.write_shadowserver_report(partial, rows, seed, networks, kind)
    partial.replace(path)


def ownership_index(networks: list[tuple[int, str]]) -> Any:
    from siaga.constituents.lookup import AssetRecord, OwnershipIndex

    return OwnershipIndex(
        AssetRecord(org, f"Constituent {org}", "ip_range", cidr) for org, cidr in networks
    )


def without_storage(path: Path, index: Any) -> tuple[int, int, float, float]:
    """Parse, enrich, attribute, grade and key every chunk as the pipeline does (the next chunk
    parsed in a thread while this one is prepared); (events, quarantined, seconds, CPU seconds
    of all threads)."""
    from siaga.feeds import pipeline
    from siaga.feeds.parsers import shadowserver

    report_type = shadowserver.detect_report(path.name)
    assert report_type is not None, path.name
    parser = shadowserver.ChunkParser(report_type, pipeline.header_of(path), keep_extra=False)
    events = quarantined = 0
    started, cpu = time.perf_counter(), time.process_time()
    context = (index, frozenset[int](), None, None)
    for _, ready, _ in pipeline.prepared_chunks(
        pipeline.shadowserver_chunks(parser, path), context
    ):
        assert ready is not None
        assert ready.frame is not None  # not staged: no storage here
        events += ready.frame.height
        quarantined += len(ready.quarantine)
    return events, quarantined, time.perf_counter() - started, time.process_time() - cpu


class StageClock:
    """Seconds spent in named functions, by wrapping them where the pipeline looks them up (from
    any thread: on PostgreSQL the chunks are stored by two writer threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def wrap(self, module: Any, name: str, label: str | None = None) -> None:
        real = getattr(module, name)
        key = label or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.add(key, time.perf_counter() - started)

        setattr(module, name, timed)

    def add(self, label: str, seconds: float) -> None:
        with self._lock:
            self.seconds[label] = self.seconds.get(label, 0.0) + seconds


def stages(path: Path, index: Any) -> dict[str, Any]:
    """The parse path one stage after the other (no threads), each stage timed."""
    from siaga.feeds import harmonized, pipeline
    from siaga.feeds.parsers import shadowserver

    clock = StageClock()
    clock.wrap(pipeline, "enrich", "enrich (ASN, geolocation)")
    clock.wrap(pipeline, "attribute", "attribute (constituent)")
    report_type = shadowserver.detect_report(path.name)
    parser = shadowserver.ChunkParser(report_type, pipeline.header_of(path), keep_extra=False)
    rows = 0
    for chunk in pipeline.chunks(path):
        started = time.perf_counter()
        read = parser.read(chunk.data, first_row=chunk.first_row, first_offset=chunk.offset)
        clock.add("read (CSV reader, line starts)", time.perf_counter() - started)
        started = time.perf_counter()
        parsed = parser.convert(read)
        clock.add("convert (fields, quarantine)", time.perf_counter() - started)
        started = time.perf_counter()
        frame = harmonized.conform(parsed.events)
        pipeline.prepare(frame, index, frozenset(), None, None)
        clock.add("prepare", time.perf_counter() - started)
        rows += parsed.total
    prepare = clock.seconds.pop("prepare")
    inside = clock.seconds["enrich (ASN, geolocation)"] + clock.seconds["attribute (constituent)"]
    clock.add("grade, flag, key", prepare - inside)
    return {"rows": rows, "seconds": clock.seconds, "peak_rss_mb": peak_rss_mb()}


def stages_in_own_process(path: Path, networks: list[tuple[int, str]]) -> dict[str, Any]:
    """``stages`` in a child process of its own (started afresh: polars' threads do not survive
    a fork), so that the peak memory it reports is the stages' own."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_stages_child, (path, networks))


def _stages_child(path: Path, networks: list[tuple[int, str]]) -> dict[str, Any]:
    setup_django(False)
    index = ownership_index(networks)
    index.ipv4_arrays()
    return stages(path, index)


def print_stages(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(f"stages, one after the other ({rows:,} rows; peak RSS {result['peak_rss_mb']:,.0f} MB):")
    for label, seconds in result["seconds"].items():
        print(f"  {label:34s} {seconds:6.2f} s  {rows / seconds:>12,.0f} rows/s")
    total = sum(result["seconds"].values())
    print(f"  {'all':34s} {total:6.2f} s  {rows / total:>12,.0f} rows/s")


def calibrate(path: Path, index: Any, store: bool) -> None:
    """What this machine does without Siaga, for comparing figures across machines."""
    import numpy as np
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False, columns=["ip"], truncate_ragged_lines=True)
    seconds = time.perf_counter() - started
    print(
        f"calibration: polars reads one column of the file at {frame.height / seconds:,.0f} rows/s"
    )
    rng = np.random.default_rng(1)
    starts = np.sort(rng.integers(0, 2**32, 50_000))
    addresses = rng.integers(0, 2**32, 5_000_000)
    started = time.perf_counter()
    np.searchsorted(starts, addresses, side="right")
    print(
        "calibration: numpy searchsorted matches "
        f"{addresses.size / (time.perf_counter() - started):,.0f} addresses/s in 50,000 starts"
    )
    if store:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the events table's shape, on a fresh database
        print(
            f"calibration: {bare_copy_rate(path, index):,.0f} rows/s by COPY into the events table's "
            "columns without any index"
        )


def bare_copy_rate(path: Path, index: Any, copies: int = 10) -> float:
    """COPY of the file's first chunk, as the pipeline writes it, ``copies`` times into a
    temporary copy of the events table without its indexes: the ceiling of storing here."""
    from django.db import connection, transaction

    from siaga.events import actions
    from siaga.feeds import harmonized, pipeline
    from siaga.feeds.parsers import shadowserver

    parser = shadowserver.ChunkParser(
        shadowserver.detect_report(path.name), pipeline.header_of(path), keep_extra=False
    )
    chunk = next(pipeline.chunks(path))
    parsed = parser.convert(parser.read(chunk.data, first_row=1, first_offset=chunk.offset))
    frame = pipeline.prepare(harmonized.conform(parsed.events), index, frozenset(), None, None)
    table = actions._table(actions._collapse(frame), None)
    text = table.write_csv(
        include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f+00", quote_style="necessary"
    )
    statement = f"COPY bench_bare ({', '.join(table.columns)}) FROM STDIN WITH (FORMAT csv)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_bare "
            "(LIKE events_event INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
        )
        started = time.perf_counter()
        for _ in range(copies):
            with cursor.cursor.copy(statement) as copy:
                copy.write(text)
        return table.height * copies / (time.perf_counter() - started)


def end_to_end(path: Path, index: Any, *, fresh: bool = True) -> tuple[Any, float]:
    """The report received and processed into the events table: emptied first (``fresh``), or on
    top of what the table holds, with its statistics brought up to date first (as autovacuum's
    analyze does in a deployment that has been running for a while)."""
    from django.core.management import call_command
    from django.db import connection

    from siaga.events.models import Event, EventDailyCount
    from siaga.feeds import actions, pipeline
    from siaga.feeds.choices import ParserKind, ReportSource
    from siaga.feeds.models import Feed, FeedReport

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if fresh:  # a fresh start, without the dead rows of a DELETE
            cursor.execute(
                f"TRUNCATE {Event._meta.db_table}, {EventDailyCount._meta.db_table}, "
                f"{FeedReport._meta.db_table} CASCADE"
            )
        else:
            cursor.execute(f"ANALYZE {Event._meta.db_table}")
    feed, _ = Feed.objects.get_or_create(
        name="Shadowserver (bench)", defaults={"parser": ParserKind.SHADOWSERVER}
    )
    pipeline.current_index = lambda: index  # the generated registry, not 50,000 asset rows
    from siaga.events import actions as storing

    clock = StageClock()
    for name in ("_stored_matches", "_raise_counts", "_copy"):
        clock.wrap(storing, name)
    clock.wrap(pipeline, "_committed", "waiting for the chunk before")
    clock.wrap(pipeline, "_store_chunk")
    clock.wrap(pipeline, "add_chunk_rollups")
    started = time.perf_counter()
    report, _ = actions.do_receive_report(
        feed, actions.copy_file_chunks(path), path.name, source=ReportSource.CLI, start=False
    )
    result = pipeline.process_report(report, actions.stored_path(report))
    seconds = time.perf_counter() - started
    spent = clock.seconds
    waited = spent.get("waiting for the chunk before", 0.0)
    steps = {
        "COPY of new events": spent["_copy"],
        "looking up repeats": spent["_stored_matches"],
        "raising the repeats' counts": spent["_raise_counts"],
        "waiting for the chunk before (two connections)": waited,
        "the rest of each chunk's transaction": spent["_store_chunk"]
        - spent["_copy"]
        - spent["_stored_matches"]
        - spent["_raise_counts"]
        - waited,
    }
    stored = sum(steps.values())
    print(
        f"end to end, where the chunks' time went ({stored:.2f} s in all over the connections that "
        f"stored them, in {seconds:.2f} s; roll-ups {spent['add_chunk_rollups']:.2f} s):"
    )
    for label, part in steps.items():
        print(f"  {label:50s} {part:6.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cidrs", type=int, default=50_000)
    parser.add_argument("--kind", default="scan_ftp")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", action="store_true", help="also end to end on PostgreSQL")
    parser.add_argument(
        "--calibrate", action="store_true", help="first measure the machine without Siaga"
    )
    parser.add_argument(
        "--second-report",
        action="store_true",
        help="with --store: then a report of other findings on top of the stored events, "
        "their statistics current (a deployment's steady state rather than its first report)",
    )
    args = parser.parse_args()
    setup_django(args.store)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    path, networks = inputs(args.rows, args.cidrs, args.kind, args.seed)
    size_mb = path.stat().st_size / 2**20
    started = time.perf_counter()
    index = ownership_index(networks)
    index.ipv4_arrays()
    print(
        f"registry of {len(networks):,} networks indexed in {time.perf_counter() - started:.1f} s"
    )
    if args.calibrate:
        calibrate(path, index, args.store)
    print_stages(stages_in_own_process(path, networks))
    events, quarantined, seconds, cpu = without_storage(path, index)
    print(
        f"parse+enrich+attribute: {args.rows:,} rows ({size_mb:,.0f} MB, {args.kind}) in "
        f"{seconds:.2f} s = {args.rows / seconds:,.0f} rows/s; {events:,} events, "
        f"{quarantined:,} quarantined; CPU {cpu:.2f} s (all threads; "
        f"{os.getloadavg()[0]:.1f} load average); peak RSS {peak_rss_mb():,.0f} MB",
        flush=True,
    )
    if args.store:
        result, seconds = end_to_end(path, index)
        print_end_to_end("end to end", result, seconds)
    if args.store and args.second_report:
        second = report_file(
            args.rows, args.cidrs, args.kind, args.seed, networks, report_seed=args.seed + 1
        )
        result, seconds = end_to_end(second, index, fresh=False)
        print_end_to_end("a second report on top of the first, end to end", result, seconds)


def print_end_to_end(label: str, result: Any, seconds: float) -> None:
    print(
        f"{label} (receive + store raw + process + store, PostgreSQL): {result.rows:,} rows "
        f"in {seconds:.2f} s = {result.rows / seconds:,.0f} rows/s; {result.stored:,} events "
        f"stored, {result.merged:,} duplicates merged, {result.quarantined:,} quarantined; "
        f"peak RSS {peak_rss_mb():,.0f} MB",
        flush=True,
    )


if __name__ == "__main__":
    main()
