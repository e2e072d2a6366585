"""Sharing groups and the ATT&CK pick-list at national scale, server time.

Seeds (once; re-runs reuse the data) 3,000 hospitals, one sharing group per province holding its
hospitals, a group of every hospital, and loads ATT&CK (the ICS and Mobile bundles of
../shared/data when present, and a generated enterprise-sized bundle of 800 techniques). Then
measures, through Django's test client (routing, middleware, permission scoping, queries,
templates; no network):

- loading the ATT&CK bundles: first load and idempotent reload (seconds);
- the technique search API and the typing suggestions (p50/p95);
- the sharing-group list, as CERT staff and as a hospital; the page of the largest group (its
  members a page at a time) and of a province group (whose add-member list holds every other
  hospital);
- the group list API, and the largest group through the API (every member listed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench_sharing \\
        .venv/bin/python benchmarks/bench_sharing_attack.py
"""

from __future__ import annotations

import argparse
import json
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

ROOT = Path(__file__).resolve().parent.parent
ATTACK_DATA = ROOT.parent / "shared" / "data" / "stix" / "attack"
PROVINCES = ["11", "12", "13", "14", "15", "16", "31", "32", "33", "34", "35", "36", "51", "52"]
WORDS = ["access", "command", "data", "exfiltration", "credential", "service", "process",
         "network", "script", "token", "valid", "remote", "system", "file", "input"]  # fmt: skip


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


def enterprise_like_bundle(path: Path, count: int) -> Path:
    """A bundle shaped like ATT&CK enterprise: techniques, sub-techniques, long descriptions."""
    rng = random.Random(2026)
    objects = []
    for n in range(count):
        parent, sub = 1000 + n // 4, n % 4
        attack_id = f"T{parent}" if sub == 0 else f"T{parent}.{sub:03d}"
        name = " ".join(rng.sample(WORDS, 3)).title()
        objects.append(
            {
                "type": "attack-pattern",
                "id": f"attack-pattern--00000000-0000-4000-8000-{n:012d}",
                "created": "2020-01-01T00:00:00.000Z",
                "modified": "2025-04-15T19:58:01.218Z",
                "name": name,
                "description": " ".join(rng.choices(WORDS, k=400)),
                "x_mitre_is_subtechnique": sub != 0,
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": "execution"}
                ],
                "external_references": [{"source_name": "mitre-attack", "external_id": attack_id}],
            }
        )
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--x", "objects": objects}))
    return path


def seed(args: argparse.Namespace) -> None:
    from django.db import transaction

    from siaga.accounts.roles import Role
    from siaga.constituents.models import ConstituentProfile
    from siaga.core.testing import make_user
    from siaga.organizations.models import Organization
    from siaga.sharing.models import SharingGroup, SharingGroupMember

    if Organization.objects.filter(name__startswith="RS Bench ").count() >= args.hospitals:
        print("reusing the organizations and groups already seeded")
        return
    rng = random.Random(2026)
    with transaction.atomic():
        cert = Organization.objects.create(name="Bench CERT", kind="cert")
        hospitals = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"RS Bench {i:05d}", kind="constituent", constituent_type="hospital"
                )
                for i in range(args.hospitals)
            ],
            batch_size=1000,
        )
        hospitals = list(Organization.objects.filter(name__startswith="RS Bench "))
        ConstituentProfile.objects.bulk_create(
            [ConstituentProfile(organization=h, province=rng.choice(PROVINCES)) for h in hospitals]
        )
        make_user("analyst@bench.test", cert, Role.CERT_ANALYST)
        make_user("reporter@bench.test", hospitals[0], Role.CONSTITUENT_REPORTER)
        everyone = SharingGroup.objects.create(name="Every bench hospital", owner=cert)
        rows = [SharingGroupMember(sharing_group=everyone, organization=h) for h in hospitals]
        for province in PROVINCES:
            group = SharingGroup.objects.create(name=f"Bench province {province}", owner=cert)
            rows += [
                SharingGroupMember(sharing_group=group, organization=h)
                for h in hospitals
                if h.profile.province == province
            ]
        SharingGroupMember.objects.bulk_create(rows, batch_size=5000)


def timed_load(paths: list[Path]) -> tuple[float, int]:
    from siaga.attack.loader import load_attack_bundle

    started = time.perf_counter()
    techniques = sum(load_attack_bundle(path).techniques for path in paths)
    return time.perf_counter() - started, techniques


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def measure(label: str, runs: int, request: Callable[[int], Any]) -> dict[str, Any]:
    request(0)  # warm up
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        response = request(n)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    p50, p95 = percentiles(samples)
    return {"label": label, "p50": p50, "p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hospitals", type=int, default=3000)
    parser.add_argument("--enterprise-techniques", type=int, default=800)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from siaga.accounts.models import User
    from siaga.core.testing import login
    from siaga.sharing.models import SharingGroup

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    seed(args)
    bundles = sorted(ATTACK_DATA.glob("*-attack-*.json"))
    bundles.append(
        enterprise_like_bundle(
            Path(tempfile.mkdtemp()) / "enterprise-like.json", args.enterprise_techniques
        )
    )
    first, techniques = timed_load(bundles)
    again, _count = timed_load(bundles)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    rng = random.Random(7)
    analyst = login(Client(), User.objects.get(email="analyst@bench.test"))
    reporter = login(Client(), User.objects.get(email="reporter@bench.test"))
    largest = SharingGroup.objects.get(name="Every bench hospital")
    province = SharingGroup.objects.get(name="Bench province 31")  # its add-member list: the rest
    prefixes = ["T1", "T10", "T1566", "T0", "T11", *WORDS]
    results = [
        measure(
            "technique search API",
            args.runs,
            lambda n: analyst.get("/api/v1/attack/techniques", {"q": rng.choice(prefixes)}),
        ),
        measure(
            "technique suggestions (htmx)",
            args.runs,
            lambda n: analyst.get(reverse("attack:technique-suggest"), {"q": rng.choice(prefixes)}),
        ),
        measure(
            "group list page, CERT staff",
            args.runs,
            lambda n: analyst.get(reverse("sharing:group-list")),
        ),
        measure(
            "group list page, hospital",
            args.runs,
            lambda n: reporter.get(reverse("sharing:group-list")),
        ),
        measure(
            f"largest group page ({largest.members.count():,} members)",
            args.runs // 4 or 1,
            lambda n: analyst.get(reverse("sharing:group-detail", args=[largest.pk])),
        ),
        measure(
            "province group page, manager",
            args.runs // 4 or 1,
            lambda n: analyst.get(reverse("sharing:group-detail", args=[province.pk])),
        ),
        measure(
            "largest group via the API",
            args.runs // 4 or 1,
            lambda n: analyst.get(f"/api/v1/sharing-groups/{largest.pk}"),
        ),
        measure(
            "group list API, hospital",
            args.runs,
            lambda n: reporter.get("/api/v1/sharing-groups"),
        ),
    ]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {connection.vendor}; {args.hospitals:,} hospitals in "
        f"{SharingGroup.objects.count()} groups; {args.runs} requests each"
    )
    print(f"ATT&CK load of {techniques} techniques ({len(bundles)} files): first {first:.2f} s, "
          f"reload {again:.2f} s")  # fmt: skip
    for row in results:
        print(f"{row['label']:<38} p50 {row['p50']:7.1f} ms   p95 {row['p95']:7.1f} ms")


if __name__ == "__main__":
    main()
