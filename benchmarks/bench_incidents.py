"""Incident desk at national scale: list, search, incident page and report creation, server time.

Seeds (once; re-runs reuse the data) 500 constituents, 100,000 incidents with 1,000,000
observables and 200,000 comments into a database of its own, then measures p50/p95 of requests
made in-process through Django's test client (server time: routing, middleware, permission
scoping, queries, templates; no network):

- the incident list filtered by status and priority, by constituent, and by full-text search;
- the incident page of random incidents;
- report creation through the API (a constituent's token).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_incidents.py

The database is created if missing (PostgreSQL). Use --incidents etc. for a smaller run.
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

# What incidents are about: each incident draws its title and a few words of its description from
# one topic, and the rest of its description from a large vocabulary with a Zipf-like spread, so a
# topic word matches about a tenth of all incidents, as in a real case base, not all of them.
TOPICS = [
    ["ransomware", "server", "SIMRS", "terenkripsi"],
    ["phishing", "email", "palsu", "kredensial"],
    ["akun", "VPN", "bocor", "brute", "force"],
    ["DDoS", "portal", "pendaftaran", "pasien"],
    ["laboratorium", "PACS", "DICOM", "terbuka"],
    ["infus", "pompa", "firmware", "rentan"],
    ["deface", "situs", "web", "rumah", "sakit"],
    ["kebocoran", "data", "rekam", "medis"],
    ["malware", "trojan", "botnet", "C2"],
    ["SATUSEHAT", "integrasi", "gangguan", "layanan"],
]
VOCABULARY = [f"kata{n}" for n in range(20_000)]
ZIPF_WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
WORDS = [word for topic in TOPICS for word in topic]
PROVINCES = ["31", "32", "33", "34", "35", "36", "51", "52", "61", "71", "73", "81", "91", "94"]


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


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, weights=ZIPF_WEIGHTS, k=n))


def incident_text(rng: random.Random) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    title = " ".join(rng.sample(topic, 3)) + " " + sentence(rng, 2)
    description = " ".join(rng.sample(topic, 2)) + " " + sentence(rng, 38)
    return title, description


def seed(args: argparse.Namespace) -> None:
    from django.db import transaction
    from django.utils import timezone

    from siaga.constituents.models import ConstituentProfile
    from siaga.incidents.choices import IncidentStatus, Priority
    from siaga.incidents.models import Comment, Incident, Observable
    from siaga.organizations.models import Organization

    if Incident.objects.count() >= args.incidents:
        print(f"reusing {Incident.objects.count():,} incidents already seeded")
        return
    rng = random.Random(2026)
    started = time.perf_counter()
    constituents = [
        Organization(name=f"RS Bench {i:04d}", kind="constituent", constituent_type="hospital")
        for i in range(args.constituents)
    ]
    Organization.objects.bulk_create(constituents, batch_size=1000)
    constituents = list(Organization.objects.filter(name__startswith="RS Bench "))
    ConstituentProfile.objects.bulk_create(
        [
            ConstituentProfile(
                organization=org,
                province=rng.choice(PROVINCES),
                is_vital_infrastructure=rng.random() < 0.2,
                holds_personal_health_data=True,
            )
            for org in constituents
        ]
    )
    statuses = list(IncidentStatus.values)
    now = timezone.now()
    through = Incident.affected_constituents.through
    kinds = ["ip", "domain", "sha256", "url", "email"]
    for start in range(0, args.incidents, 5000):
        texts = [incident_text(rng) for _ in range(min(5000, args.incidents - start))]
        batch = [
            Incident(
                reference=f"BENCH-INC-{start + i:07d}",
                title=texts[i][0],
                description=texts[i][1],
                status=rng.choice(statuses),
                priority=rng.choice(Priority.values),
                rsit_class="malicious-code",
                rsit_type="infected-system",
                reported_at=now - timezone.timedelta(minutes=rng.randint(1, 500_000)),
                personal_data_involved=rng.random() < 0.3,
            )
            for i in range(len(texts))
        ]
        with transaction.atomic():
            created = Incident.objects.bulk_create(batch, batch_size=5000)
            if not created[0].pk:  # SQLite before returning ids
                created = list(Incident.objects.order_by("-pk")[: len(batch)])
            through.objects.bulk_create(
                [
                    through(incident_id=i.pk, organization_id=rng.choice(constituents).pk)
                    for i in created
                ],
                batch_size=5000,
            )
            per_incident = args.observables // args.incidents
            Observable.objects.bulk_create(
                [
                    Observable(incident_id=i.pk, type=kind, value=value)
                    for i in created
                    for kind, value in (
                        observable_value(rng, rng.choice(kinds)) for _ in range(per_incident)
                    )
                ],
                batch_size=10_000,
                ignore_conflicts=True,
            )
            Comment.objects.bulk_create(
                [
                    Comment(incident_id=i.pk, body=sentence(rng, 20), visibility="internal")
                    for i in created
                    for _ in range(args.comments // args.incidents)
                ],
                batch_size=10_000,
            )
        done = start + len(batch)
        print(f"  seeded {done:,} incidents ({time.perf_counter() - started:.0f} s)", flush=True)


def observable_value(rng: random.Random, kind: str) -> tuple[str, str]:
    if kind == "ip":
        return kind, f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == "domain":
        return kind, f"{rng.choice(WORDS).lower()}{rng.randint(1, 99999)}.example"
    if kind == "sha256":
        return kind, f"{rng.getrandbits(256):064x}"
    if kind == "url":
        return (
            kind,
            f"https://{rng.choice(WORDS).lower()}{rng.randint(1, 9999)}.example/{rng.randint(1, 10**6)}",
        )
    return kind, f"user{rng.randint(1, 10**6)}@{rng.choice(WORDS).lower()}.example"


def timed(label: str, runs: int, request: Callable[[int], Any]) -> dict[str, Any]:
    request(0)  # warm-up: caches, connection, template loading
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        response = request(i)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 201), (
            label,
            response.status_code,
            response.content[:300],
        )
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    return {"label": label, "p50": statistics.median(samples), "p95": p95, "runs": runs}


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    from django.test import Client

    from siaga.accounts.roles import Role
    from siaga.core.testing import api_client_for, login, make_user
    from siaga.incidents.models import Incident
    from siaga.organizations.models import Organization

    cert = Organization.objects.get_or_create(name="Bench CERT", defaults={"kind": "cert"})[0]
    analyst = make_or_get_user("analyst@bench.example", cert, Role.CERT_ANALYST, make_user)
    hospital = Organization.objects.filter(name__startswith="RS Bench ").order_by("pk").first()
    reporter = make_or_get_user(
        "reporter@bench.example", hospital, Role.CONSTITUENT_REPORTER, make_user
    )
    web = login(Client(), analyst)
    api = api_client_for(reporter)
    rng = random.Random(7)
    ids = list(Incident.objects.values_list("pk", flat=True)[:: max(1, args.incidents // 2000)])
    orgs = list(
        Organization.objects.filter(name__startswith="RS Bench ").values_list("pk", flat=True)
    )
    terms = ["ransomware", "phishing kredensial", "kebocoran data", "PACS", "VPN bocor", "kata123"]
    results = [
        timed(
            "list: status + priority filter",
            args.runs,
            lambda i: web.get(
                "/incidents/",
                {
                    "status": rng.choice(["analysis", "containment"]),
                    "priority": rng.choice(["P1", "P2"]),
                },
            ),
        ),
        timed(
            "list: one constituent",
            args.runs,
            lambda i: web.get("/incidents/", {"affected_constituent": rng.choice(orgs)}),
        ),
        timed(
            "list: full-text search",
            args.runs,
            lambda i: web.get("/incidents/", {"q": rng.choice(terms)}),
        ),
        timed("incident page", args.runs, lambda i: web.get(f"/incidents/{rng.choice(ids)}/")),
        timed(
            "API: create a report",
            args.runs,
            lambda i: api.post(
                "/api/v1/reports",
                data={"title": f"Bench report {i}", "description": "Server terenkripsi."},
                content_type="application/json",
            ),
        ),
    ]
    return results


def make_or_get_user(
    email: str, organization: Any, role: str, make_user: Callable[..., Any]
) -> Any:
    from siaga.accounts.models import User

    return User.objects.filter(email=email).first() or make_user(email, organization, role)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--constituents", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--observables", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"  # fast password hashing, mail kept in memory
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    seed(args)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    results = measure(args)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}; {args.incidents:,} incidents, {args.observables:,} observables, "
        f"{args.comments:,} comments, {args.constituents} constituents; {args.runs} requests each"
    )
    for row in results:
        print(f"{row['label']:<34} p50 {row['p50']:7.1f} ms   p95 {row['p95']:7.1f} ms")


if __name__ == "__main__":
    main()
