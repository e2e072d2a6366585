"""Warninglist matcher speed: checks per second with every shared MISP warninglist loaded.

Parses the lists of ``../shared/data/warninglists`` (about 145,000 values: public DNS resolvers,
top domains, dynamic DNS, RFC networks...), builds the ``WarninglistIndex`` the matcher keeps per
process, and times ``check`` on one core for random IPv4 and IPv6 addresses, domains and URLs (a
quarter of them on a list, the rest random). Needs no database: ``build_index`` builds the same
index from the rows.

    .venv/bin/python benchmarks/bench_warninglists.py --checks 1000000

With ``--database`` it also times loading the lists into the database of ``DATABASE_URL`` (first
load, then the no-op re-load) and ``build_index`` from the rows, as a worker does after a change:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_warninglists.py --database
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warninglists"
LABELS = ["mail", "www", "api", "cdn", "rsud", "dinkes", "portal", "simrs", "x1", "dev"]


def load_records(directory: Path) -> list:
    from siaga.warninglists.loader import list_files, parse_warninglist
    from siaga.warninglists.matching import ListRecord

    records = []
    for path in list_files(directory):
        parsed = parse_warninglist(path)
        records.append(
            ListRecord(parsed.name, parsed.type, parsed.matching_attributes, parsed.values)
        )
    return records


def random_domain(rng: random.Random) -> str:
    return ".".join(rng.choice(LABELS) for _ in range(rng.randint(1, 3))) + rng.choice(
        [".go.id", ".co.id", ".com", ".net", ".org"]
    )


def make_queries(records: list, count: int, rng: random.Random) -> dict[str, list[str]]:
    listed_ips = [v for r in records if r.type == "cidr" for v in r.values if "/" not in v]
    listed_hosts = [
        v.lstrip(".") for r in records if r.type in ("hostname", "string") for v in r.values
    ]
    ipv4 = [
        rng.choice(listed_ips) if i % 4 == 0 else str(ipaddress.IPv4Address(rng.getrandbits(32)))
        for i in range(count)
    ]
    ipv6 = [
        str(ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(100)))
        if i % 4
        else "fe80::" + format(rng.getrandbits(16), "x")
        for i in range(count)
    ]
    domains = [
        f"{rng.choice(LABELS)}.{rng.choice(listed_hosts)}" if i % 4 == 0 else random_domain(rng)
        for i in range(count)
    ]
    urls = [f"https://{d}/login?next=/" for d in domains[: count // 4]]
    return {"ip (IPv4)": ipv4, "ip (IPv6)": ipv6, "domain": domains, "url": urls}


def time_database(directory: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    from siaga.warninglists.loader import load_directory
    from siaga.warninglists.matching import build_index
    from siaga.warninglists.models import Warninglist

    call_command("migrate", "warninglists", verbosity=0)
    Warninglist.objects.all().delete()  # a first load, every run
    for label in ("first load", "re-load"):
        started = time.perf_counter()
        results = load_directory(directory)
        elapsed = time.perf_counter() - started
        outcomes = sorted({r.outcome for r in results})
        print(f"{connection.vendor} {label:10}: {elapsed * 1000:7.0f} ms ({', '.join(outcomes)})")
    started = time.perf_counter()
    build_index()
    print(f"{connection.vendor} build_index: {(time.perf_counter() - started) * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=1_000_000)
    parser.add_argument("--directory", type=Path, default=SHARED)
    parser.add_argument("--database", action="store_true", help="Also time loading into the DB.")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    import django

    django.setup()
    from siaga.warninglists.matching import WarninglistIndex

    if not args.directory.is_dir():
        sys.exit(f"{args.directory} is missing (it is in ../shared/data/warninglists)")
    rng = random.Random(20261130)
    started = time.perf_counter()
    records = load_records(args.directory)
    parsed = time.perf_counter() - started
    started = time.perf_counter()
    index = WarninglistIndex(records)
    built = time.perf_counter() - started
    values = sum(len(r.values) for r in records)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(
        f"{len(records)} lists, {values} values, {index.interval_count()} IP intervals; "
        f"parsed in {parsed * 1000:.0f} ms, index built in {built * 1000:.0f} ms"
    )
    for label, queries in make_queries(records, args.checks, rng).items():
        kind = label.split()[0]
        check = index.check
        started, cpu_started = time.perf_counter(), time.process_time()
        hits = sum(1 for value in queries if check(kind, value))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        # CPU time as well: on a shared machine the wall clock also counts other processes' turns.
        print(
            f"{label:10} {len(queries):>9} checks: {len(queries) / elapsed:>9,.0f}/s wall, "
            f"{len(queries) / cpu:>9,.0f}/s CPU; {hits / len(queries):.0%} on a list"
        )
    if args.database:
        time_database(args.directory)
    pairs = [("ip", v) for v in make_queries(records, args.checks // 10, rng)["ip (IPv4)"]]
    started = time.perf_counter()
    index.check_many(pairs)
    elapsed = time.perf_counter() - started
    print(f"check_many {len(pairs):>9} pairs  in {elapsed:6.2f} s: {len(pairs) / elapsed:>9,.0f}/s")


if __name__ == "__main__":
    main()
