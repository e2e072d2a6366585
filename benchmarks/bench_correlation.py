"""Correlation at scale: bulk recording through ``record_occurrences`` and lookups at 10 million.

1. Empties the correlation store and records 1,000,000 occurrences through
   ``siaga.correlation.actions.record_occurrences`` in batches of 50,000 (seeded mix: 60% IPv4
   addresses from eight /16s so values repeat, 5% /24 networks inside them, domains, SHA-256
   hashes, and a handful of very common values that hit the per-value cap). Reports rows/s,
   normalization, hashing and the database included.
2. Grows the store to 10,000,000 occurrences with SQL ``generate_series`` (real values and keys,
   the same ``sha256("type:value")`` as ``value_key``; not timed, not through the function).
3. Times lookups of 1,000 random stored values (drawn by occurrence, so common values are drawn
   more often): the core query (summary row, stored holders, containing networks for IPs), and the
   whole ``correlations_for`` with every holder checked through ``restrict()`` for a CERT analyst
   and for a hospital's reporter. Reports p50/p95.
4. Records another 200,000 occurrences into the full store (rows/s at 10 million).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench_correlation \\
        .venv/bin/python benchmarks/bench_correlation.py

PostgreSQL only (the fast path under test is COPY + INSERT ... SELECT). The database (by default
``siaga_bench_correlation``: the run empties the correlation tables, so it keeps out of the shared
``siaga_bench`` that other benchmarks write occurrences into) is created if missing. Use
--insert/--total/--lookups for a smaller run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIXTEENS = ["10.20", "10.21", "172.16", "172.17", "192.168", "36.66", "103.10", "114.4"]
COMMON = [
    ("ip", "8.8.8.8"),
    ("domain", "google.com"),
    ("domain", "windowsupdate.com"),
    ("ip", "1.1.1.1"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),  # the empty file
]
KINDS = ["indicator", "feed_event", "misp_attribute", "stix_object", "observable"]


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


def random_value(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(COMMON)
    if roll < 0.62:
        return "ip", f"{rng.choice(SIXTEENS)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if roll < 0.67:
        return "cidr", f"{rng.choice(SIXTEENS)}.{rng.randrange(256)}.0/24"
    if roll < 0.85:
        return "domain", f"host{rng.randrange(150_000)}.example{rng.randrange(40)}.id"
    return "sha256", rng.getrandbits(256).to_bytes(32, "big").hex()


def make_batches(args: argparse.Namespace) -> list[tuple[str, list[Any]]]:
    """Batches of (kind, occurrences): each holder object holds one to eight values."""
    from siaga.correlation.actions import Occurrence

    rng = random.Random(20261130)
    batches: list[tuple[str, list[Any]]] = []
    object_id = 0
    for number in range(args.insert // args.batch):
        kind = KINDS[number % len(KINDS)]
        items: list[Any] = []
        while len(items) < args.batch:
            object_id += 1
            for _ in range(rng.randint(1, 8)):
                type, value = random_value(rng)
                items.append(Occurrence(type, value, object_id, rng.randrange(1, 500)))
        batches.append((kind, items[: args.batch]))
    return batches


def record_all(batches: list[tuple[str, list[Any]]]) -> tuple[int, float]:
    from siaga.correlation.actions import record_occurrences

    stored = 0
    started = time.perf_counter()
    for kind, items in batches:
        stored += record_occurrences(kind, items)
    return stored, time.perf_counter() - started


# Grows the store in SQL: values drawn from n (address, domain or hash by n % 10), held by made-up
# holders (object ids far above the measured ones), keys computed exactly as value_key() does.
GROW_SQL = """
WITH g AS (
    SELECT n, (n * 2654435761) %% %(distinct)s AS v FROM generate_series(%(low)s, %(high)s) AS n
), typed AS (
    SELECT n, v,
        CASE WHEN v %% 10 < 6 THEN 'ip' WHEN v %% 10 < 8 THEN 'domain' ELSE 'sha256' END AS type
    FROM g
), valued AS (
    SELECT n, type,
        CASE type
            WHEN 'ip' THEN host('11.0.0.0'::inet + v)
            WHEN 'domain' THEN 'grown' || v || '.example.id'
            ELSE encode(sha256(('h' || v)::bytea), 'hex')
        END AS value,
        CASE WHEN type = 'ip'
            THEN '00000000000000000000ffff' || lpad(to_hex(184549376 + v), 8, '0') END AS point
    FROM typed
)
INSERT INTO correlation_occurrence
    (value_key, type, value, kind, object_id, organization_id, range_start, range_end, created_at)
SELECT encode(sha256(convert_to(type || ':' || value, 'UTF8')), 'hex'), type, value,
       (ARRAY['indicator','feed_event','misp_attribute','stix_object','observable'])[1 + n %% 5],
       1000000000 + n, 1 + n %% 500, point, point, now()
FROM valued
"""

SUMMARIZE_SQL = """
INSERT INTO correlation_correlatedvalue
    (value_key, type, value, occurrence_count, stored_count, capped, first_seen, last_seen)
SELECT value_key, min(type), min(value), count(*), count(*), false, now(), now()
FROM correlation_occurrence WHERE object_id >= 1000000000
GROUP BY value_key
ON CONFLICT (value_key) DO UPDATE SET
    occurrence_count = correlation_correlatedvalue.occurrence_count + EXCLUDED.occurrence_count,
    stored_count = correlation_correlatedvalue.stored_count + EXCLUDED.stored_count
"""


def grow(total: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM correlation_occurrence")
        (have,) = cursor.fetchone()
        missing = total - have
        # Building the indexes once at the end is many times faster than 9 million random inserts.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'correlation_occurrence'"
            " AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "ALTER TABLE correlation_occurrence DROP CONSTRAINT correlation_occurrence_once"
        )
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        step = 1_000_000
        for low in range(1, missing + 1, step):
            high = min(low + step - 1, missing)
            cursor.execute(GROW_SQL, {"low": low, "high": high, "distinct": total // 3})
            print(f"  grown to {have + high:,}", flush=True)
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            cursor.execute(definition)
            print(f"  index {name} rebuilt", flush=True)
        cursor.execute(
            "ALTER TABLE correlation_occurrence ADD CONSTRAINT correlation_occurrence_once "
            "UNIQUE USING INDEX correlation_occurrence_once"
        )
        cursor.execute(SUMMARIZE_SQL)
        cursor.execute("VACUUM ANALYZE correlation_occurrence")
        cursor.execute("VACUUM ANALYZE correlation_correlatedvalue")


def sample_values(count: int) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM correlation_occurrence")
        low, high = cursor.fetchone()
        rng = random.Random(7)
        ids = [rng.randint(low, high) for _ in range(count * 2)]
        cursor.execute(
            "SELECT type, value FROM correlation_occurrence WHERE id = ANY(%s) LIMIT %s",
            [ids, count],
        )
        return list(cursor.fetchall())


def core_lookup(type: str, value: str) -> Any:
    """``correlations_for`` without the per-holder permission checks."""
    from siaga.core.observables import ObservableType, normalize, value_key
    from siaga.correlation import actions
    from siaga.correlation.models import CorrelatedValue

    canonical = normalize(type, value)
    key = value_key(type, canonical)
    summary = CorrelatedValue.objects.filter(value_key=key).first()
    holders = actions.occurrences_of(key, actions.max_per_value())
    networks = actions._networks_containing(canonical) if type == ObservableType.IP else []
    return summary, holders, networks


def timed(label: str, values: list[tuple[str, str]], call: Callable[[str, str], Any]) -> dict:
    durations = []
    for type, value in values:
        started = time.perf_counter()
        call(type, value)
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return {
        "label": label,
        "p50": statistics.median(durations),
        "p95": durations[int(len(durations) * 0.95) - 1],
        "max": durations[-1],
    }


def bench_users() -> tuple[Any, Any]:
    from siaga.accounts.models import User
    from siaga.accounts.roles import Role
    from siaga.organizations.choices import OrganizationKind
    from siaga.organizations.models import Membership, Organization

    def user(email: str, org_name: str, kind: str, role: str) -> Any:
        org, _ = Organization.objects.get_or_create(name=org_name, defaults={"kind": kind})
        person, created = User.objects.get_or_create(email=email)
        if created:
            Membership.objects.create(user=person, organization=org, role=role)
        return person

    analyst = user(
        "bench-analyst@cert.test", "Bench CERT", OrganizationKind.CERT, Role.CERT_ANALYST
    )
    reporter = user(
        "bench-reporter@hospital.test",
        "Bench Hospital",
        OrganizationKind.CONSTITUENT,
        Role.CONSTITUENT_REPORTER,
    )
    return analyst, reporter


def first_insert(args: argparse.Namespace) -> str:
    from django.db import connection

    from siaga.correlation.actions import max_per_value

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE correlation_occurrence, correlation_correlatedvalue")
    print(f"preparing {args.insert:,} occurrences ...", flush=True)
    batches = make_batches(args)
    stored, seconds = record_all(batches)
    given = sum(len(items) for _kind, items in batches)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM correlation_correlatedvalue WHERE capped")
        (capped,) = cursor.fetchone()
    return (
        f"record_occurrences, {given:,} in batches of {args.batch:,} into an empty store: "
        f"{seconds:.1f} s = {given / seconds:,.0f} rows/s ({stored:,} stored; {capped} values "
        f"capped at {max_per_value():,})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--insert", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--total", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--late-insert", type=int, default=200_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the stored rows; skip the measured first insert"
    )
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siaga_bench_correlation"
    )
    if not url.startswith("postgres"):
        sys.exit("bench_correlation measures the PostgreSQL path: set DATABASE_URL to PostgreSQL")
    ensure_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from siaga.correlation.actions import Occurrence, correlations_for

    call_command("migrate", verbosity=0)
    insert_line = first_insert(args) if not args.reuse else "(first insert skipped: --reuse)"
    print(insert_line, flush=True)
    print(f"growing the store to {args.total:,} ...", flush=True)
    grow(args.total)
    analyst, reporter = bench_users()
    values = sample_values(args.lookups)
    results = [
        timed("core query (no restrict)", values, core_lookup),
        timed(
            "correlations_for, CERT analyst",
            values,
            lambda t, v: correlations_for(analyst, t, v),
        ),
        timed(
            "correlations_for, hospital reporter",
            values,
            lambda t, v: correlations_for(reporter, t, v),
        ),
    ]
    late_line = ""
    if args.late_insert:
        late = argparse.Namespace(insert=args.late_insert, batch=args.batch)
        offset = 500_000_000 + int(time.time())  # new holders on every run
        late_batches = [
            (kind, [Occurrence(o.type, o.value, o.object_id + offset) for o in items])
            for kind, items in make_batches(late)
        ]
        late_stored, late_seconds = record_all(late_batches)
        late_line = (
            f"record_occurrences, {args.late_insert:,} more into the full store: "
            f"{late_seconds:.1f} s = {args.late_insert / late_seconds:,.0f} rows/s "
            f"({late_stored:,} stored)"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM correlation_occurrence")
        (rows,) = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('correlation_occurrence'))")
        (size,) = cursor.fetchone()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
        f"Python {platform.python_version()}, PostgreSQL; {rows:,} occurrences stored ({size} "
        f"with indexes); {len(values)} lookups"
    )
    print(insert_line)
    for row in results:
        print(
            f"{row['label']:<38} p50 {row['p50']:6.2f} ms   p95 {row['p95']:6.2f} ms   "
            f"max {row['max']:7.2f} ms"
        )
    if late_line:
        print(late_line)


if __name__ == "__main__":
    main()
