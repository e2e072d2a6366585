"""Feed processing at national scale: Shadowserver-format reports through Siaga's pipeline.

Generates (seeded; re-runs reuse the files) a report of ``--rows`` rows in the layout of a real
Shadowserver report (``--kind``) and ``--cidrs`` constituent networks (``generate.py``), then
measures, each in its own pass over the file:

1. parse + enrich (ASN and geolocation from the MaxMind test databases when ../shared/data is
   here) + attribute to constituents + grade and key — everything but storage — chunk by chunk;
2. with ``--store``: end to end on PostgreSQL — the report received (stored raw, checksummed),
   processed into the events table (deduplicated, COPY) — in a database of its own.

Prints events/s and the peak RSS of the process (``ru_maxrss``).

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

    WORK.mkdir(exist_ok=True)
    networks = generate.constituent_networks(cidrs, seed=seed)
    path = WORK / f"2026-11-29-{kind}-bench-{rows}-{cidrs}-{seed}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate.write_shadowserver_report(path, rows, seed, networks, kind)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path, networks


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
        events += ready.frame.height
        quarantined += len(ready.parsed.quarantine)
    return events, quarantined, time.perf_counter() - started, time.process_time() - cpu


def end_to_end(path: Path, index: Any) -> tuple[Any, float]:
    from django.core.management import call_command
    from django.db import connection

    from siaga.events.models import Event, EventDailyCount
    from siaga.feeds import actions, pipeline
    from siaga.feeds.choices import ParserKind, ReportSource
    from siaga.feeds.models import Feed, FeedReport

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a fresh start, without the dead rows of a DELETE
        cursor.execute(
            f"TRUNCATE {Event._meta.db_table}, {EventDailyCount._meta.db_table}, "
            f"{FeedReport._meta.db_table} CASCADE"
        )
    feed, _ = Feed.objects.get_or_create(
        name="Shadowserver (bench)", defaults={"parser": ParserKind.SHADOWSERVER}
    )
    pipeline.current_index = lambda: index  # the generated registry, not 50,000 asset rows
    started = time.perf_counter()
    report, _ = actions.do_receive_report(
        feed, actions.copy_file_chunks(path), path.name, source=ReportSource.CLI, start=False
    )
    result = pipeline.process_report(report, actions.stored_path(report))
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cidrs", type=int, default=50_000)
    parser.add_argument("--kind", default="scan_ftp")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", action="store_true", help="also end to end on PostgreSQL")
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
        print(
            f"end to end (receive + store raw + process + store, PostgreSQL): {result.rows:,} rows "
            f"in {seconds:.2f} s = {result.rows / seconds:,.0f} rows/s; {result.stored:,} events "
            f"stored, {result.merged:,} duplicates merged, {result.quarantined:,} quarantined; "
            f"peak RSS {peak_rss_mb():,.0f} MB"
        )


if __name__ == "__main__":
    main()
