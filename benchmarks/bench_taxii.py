"""The TAXII server paging through a 1,000,000-object collection with the OASIS client.

Seeds (once; re-runs reuse the data) one sharing group with a TLP:GREEN collection of 1,000,000
STIX indicators, written with one ``INSERT ... SELECT generate_series`` straight into
``stix_stixobject``; then runs the app under gunicorn on 127.0.0.1 (2 workers, as in production)
and reads the whole collection with ``taxii2client.v21.as_pages(collection.get_objects,
per_request=1000)`` as a member of the group. Prints objects/s, p50/p95 per page (client side:
request, server, transfer and the client's JSON parsing), and the workers' RSS before and after
(paging must take constant memory: a page is one keyset query and a string join).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_taxii.py

Targets: at least 20,000 objects/s and p95 under 100 ms per 1,000-object page. Use --objects for a
smaller run. The collection is its own sharing group's, so rows other benchmarks put in the same
database never show up in it.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROUP_NAME = "TAXII benchmark group"
MEMBER_EMAIL = "taxii-bench@agency.example"
BASE_TIME = "2026-01-01 00:00:00+00"


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


def seed_world() -> tuple[Any, Any, Any]:
    """The agency, its member, the sharing group and the collection (created once)."""
    from siaga.accounts.models import User
    from siaga.accounts.roles import Role
    from siaga.organizations.choices import OrganizationKind
    from siaga.organizations.models import Membership, Organization
    from siaga.sharing.choices import TLP, Distribution
    from siaga.sharing.models import SharingGroup, SharingGroupMember
    from siaga.taxii.models import Collection

    agency, _ = Organization.objects.get_or_create(
        name="TAXII benchmark agency", defaults={"kind": OrganizationKind.MEMBER_AGENCY}
    )
    user = User.objects.filter(email=MEMBER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(email=MEMBER_EMAIL, password=None, full_name="Bench")
        Membership.objects.create(user=user, organization=agency, role=Role.COORD_MEMBER)
    group, _ = SharingGroup.objects.get_or_create(name=GROUP_NAME, defaults={"owner": agency})
    SharingGroupMember.objects.get_or_create(sharing_group=group, organization=agency)
    collection = Collection.objects.filter(sharing_group=group, tlp=TLP.GREEN).first()
    if collection is None:
        collection = Collection.objects.create(
            title="Benchmark (TLP:GREEN)",
            distribution=Distribution.SHARING_GROUP,
            sharing_group=group,
            tlp=TLP.GREEN,
        )
    return user, group, collection


def seed_objects(group: Any, organization_id: int, count: int) -> None:
    """``count`` indicators in the group's GREEN cell, one INSERT ... SELECT generate_series."""
    from django.db import connection

    from siaga.stix.models import StixObject

    held = StixObject.objects.filter(sharing_group=group).count()
    if held >= count:
        return
    started = time.perf_counter()
    table = StixObject._meta.db_table
    marking = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    stix_id = "'indicator--' || md5('taxii-bench-' || g)::uuid"
    stamp = f"to_char(timestamptz '{BASE_TIME}' + g * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    raw = (
        """'{"type":"indicator","spec_version":"2.1","id":"' || """
        + stix_id
        + """ || '","created":"' || """
        + stamp
        + """ || '","modified":"' || """
        + stamp
        + """ || '","name":"Benchmark indicator ' || g || '","indicator_types":["malicious-activity"],'"""
        + """ || '"pattern":"[ipv4-addr:value = ''10.' || mod(g / 65536, 256) || '.' || mod(g / 256, 256)"""
        + """ || '.' || mod(g, 256) || ''']","pattern_type":"stix","valid_from":"' || """
        + stamp
        + f""" || '","object_marking_refs":["{marking}"]}}'"""
    )
    expressions = {
        "stix_id": stix_id,
        "type": "'indicator'",
        "spec_version": "'2.1'",
        "version": f"timestamptz '{BASE_TIME}' + g * interval '1 second'",
        "date_added": f"timestamptz '{BASE_TIME}' + g * interval '1 millisecond'",
        "is_latest": "true",
        "revoked": "false",
        "raw": raw,
        "source": "'bench'",
        "tlp": "'green'",
        "distribution": "'sharing_group'",
        "sharing_group_id": str(group.pk),
        "organization_id": str(organization_id),
        "created_by_id": "NULL",
    }
    columns, values, params = [], [], []
    for field in StixObject._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in expressions or field.attname in expressions:
            values.append(expressions.get(field.attname, expressions.get(field.name, "")))
        else:  # a column added since this benchmark was written: its Django default
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    # Built from the model's own column names and constant expressions: no outside input.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
        f"FROM generate_series({held + 1}, {count}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {table}")
    print(f"seeded {count - held:,} objects in {time.perf_counter() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(port: int) -> subprocess.Popen:
    env = dict(os.environ, SIAGA_DEBUG="false", DJANGO_SETTINGS_MODULE="siaga.settings")
    env.pop("SIAGA_TESTING", None)
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "siaga.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start")


def workers_rss_mb(master: int) -> float:
    """Resident memory of the master's worker processes, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total_kb = 0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def page_through(url: str, user: str, token: str, per_request: int) -> tuple[int, list[float]]:
    from taxii2client.v21 import Collection, as_pages

    collection = Collection(url, user=user, password=token)
    times: list[float] = []
    total = 0
    started = time.perf_counter()
    for page in as_pages(collection.get_objects, per_request=per_request):
        now = time.perf_counter()
        times.append((now - started) * 1000)
        total += len(page.get("objects", []))
        started = time.perf_counter()
    return total, times


def warm_up(url: str, user: str, token: str) -> None:
    """A few small requests, so both workers have imported everything and hold a connection."""
    from taxii2client.v21 import Collection

    collection = Collection(url, user=user, password=token)
    for _ in range(4):
        collection.get_objects(limit=10)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--per-request", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siaga_bench")
    if not url.startswith("postgres"):
        sys.exit("bench_taxii measures the PostgreSQL path: set DATABASE_URL to PostgreSQL")
    os.environ["DATABASE_URL"] = url
    ensure_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from siaga.accounts.actions import do_create_token

    call_command("migrate", verbosity=0)
    user, group, collection = seed_world()
    seed_objects(group, group.owner_id, args.objects)
    _token, raw_token = do_create_token(user, "bench", "read", None)

    port = free_port()
    server = start_gunicorn(port)
    try:
        base = f"http://127.0.0.1:{port}/taxii2/siaga/collections/{collection.uuid}/"
        warm_up(base, user.email, raw_token)
        rss_before = workers_rss_mb(server.pid)
        started = time.perf_counter()
        total, times = page_through(base, user.email, raw_token, args.per_request)
        elapsed = time.perf_counter() - started
        rss_after = workers_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other engineers' "
        f"work while measured), Python {platform.python_version()}, PostgreSQL, gunicorn 2 workers"
    )
    print(f"objects read:      {total:,} in {len(times):,} pages of {args.per_request:,}")
    print(f"throughput:        {total / elapsed:,.0f} objects/s ({elapsed:.1f} s)")
    print(
        f"per page:          p50 {statistics.median(times):.1f} ms   "
        f"p95 {percentile(times, 0.95):.1f} ms   max {max(times):.1f} ms"
    )
    print(f"workers' RSS:      {rss_before:.0f} MB before, {rss_after:.0f} MB after")


if __name__ == "__main__":
    main()
