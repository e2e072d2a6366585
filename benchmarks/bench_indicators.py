"""The indicator store's one entry point, ``do_upsert_indicators``: rows per second.

Generates (seeded) a feed of mixed observables — IPv4 addresses, domains, URLs, SHA-256 hashes —
and measures, into a fresh database:

- new rows: the whole feed into an empty store (normalize, warninglist check, bulk insert,
  correlation index);
- known rows: the same feed again (one SELECT per chunk, merge, bulk update);
- new rows without the correlation index (the same feed for a second organization, with
  ``record_correlation`` switched off), to show which part of the time is the store's own;
- the "active only" list filter (decay score computed in SQL) over the stored rows.

    .venv/bin/python benchmarks/bench_indicators.py                 # SQLite, 100,000 rows
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_indicators.py --rows 200000

The SQLite database is a temporary file; the PostgreSQL one is created if missing and its
indicators are deleted before the run. The target is at least 20,000 new rows/s on SQLite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TLDS = ["com", "net", "org", "id", "co.id", "go.id", "info", "xyz"]


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def feed(rng: random.Random, rows: int) -> list[Any]:
    """A mixed feed: 40% IPs, 25% domains, 20% URLs (some defanged), 15% hashes."""
    from siaga.intel.actions import IndicatorInput

    items = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.40:
            kind, value = "ip", ".".join(str(rng.randrange(1, 255)) for _ in range(4))
        elif roll < 0.65:
            kind, value = "domain", f"host{n}.{rng.choice(TLDS)}"
        elif roll < 0.85:
            scheme = rng.choice(["http", "https", "hxxp"])
            kind, value = "url", f"{scheme}://site{n}[.]{rng.choice(TLDS)}/p/{rng.randrange(10**6)}"
        else:
            kind, value = "sha256", f"{rng.getrandbits(256):064x}"
        items.append(
            IndicatorInput(type=kind, value=value, confidence=rng.randrange(20, 100), tags=["feed"])
        )
    return items


def run(args: argparse.Namespace) -> None:
    from django.db import connection

    from siaga.intel.actions import do_upsert_indicators
    from siaga.intel.filters import filter_indicators
    from siaga.intel.models import Indicator
    from siaga.organizations.models import Organization

    Indicator.objects.all().delete()
    organization, _ = Organization.objects.get_or_create(
        name="Bench CERT", defaults={"kind": "cert"}
    )
    items = feed(random.Random(args.seed), args.rows)
    labels = {
        "organization": organization,
        "tlp": "green",
        "distribution": "constituents",
        "source_kind": "feed",
    }
    started = time.perf_counter()
    created = do_upsert_indicators(items, **labels)
    new_seconds = time.perf_counter() - started
    started = time.perf_counter()
    updated = do_upsert_indicators(items, **labels)
    known_seconds = time.perf_counter() - started
    other, _ = Organization.objects.get_or_create(name="Bench agency", defaults={"kind": "cert"})
    from unittest import mock

    started = time.perf_counter()
    with mock.patch("siaga.intel.actions.record_correlation"):
        alone = do_upsert_indicators(items, **{**labels, "organization": other})
    alone_seconds = time.perf_counter() - started
    started = time.perf_counter()
    active = filter_indicators(Indicator.objects.all(), {"active": True}).count()
    active_seconds = time.perf_counter() - started
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {connection.vendor}; {args.rows:,} rows"
    )
    print(
        f"new rows     {created.created:>9,} in {new_seconds:6.2f} s  "
        f"{created.created / new_seconds:>9,.0f} rows/s  ({len(created.problems)} problems)"
    )
    print(
        f"known rows   {updated.updated:>9,} in {known_seconds:6.2f} s  "
        f"{updated.updated / known_seconds:>9,.0f} rows/s"
    )
    print(
        f"new, no corr {alone.created:>9,} in {alone_seconds:6.2f} s  "
        f"{alone.created / alone_seconds:>9,.0f} rows/s"
    )
    print(f"active count {active:>9,} in {active_seconds * 1000:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='siaga-bench-')}/b.db"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args)


if __name__ == "__main__":
    main()
