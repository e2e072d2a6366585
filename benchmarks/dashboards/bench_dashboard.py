"""The dashboards at national scale: 100,000 incidents and a year of 10,000,000 feed events.

Seeds once (re-runs reuse the data) into a database of its own, then times requests made in-process
through Django's test client (server time: routing, middleware, permission checks, queries, charts,
templates; no network), p50/p95 over ``--runs`` requests each:

- the CERT dashboard page for several periods (last 7/30/90 days, this and last quarter, a custom
  year), *cold*: the figure cache is emptied before every request, so each one runs every query;
- the same page *after a write* (an incident saved: the incident figures are read again, the
  feed-event roll-ups and assessments come from the cache, which writes do not invalidate);
- the same page *warm* (the figures of the period cached, as for a second viewer within a minute);
- the sector API (cold) and a constituent's own dashboard page.

What is seeded:

- 500 constituents (hospitals, clinics, laboratories, in 14 provinces);
- 100,000 incidents created over the last 365 days, every RSIT class (skewed towards malicious
  code and information gathering), P1..P4, two thirds acknowledged and half resolved, each
  affecting one constituent; 300 running legal clocks; 200 advisories sent to 60 constituents each,
  40 % answered;
- the incident roll-ups (``IncidentDailyCount``, ``IncidentDailyBreakdown``), rebuilt from the
  incidents after seeding (the seeding bypasses the signals that keep them current), timed;
- the feed-event roll-ups a year of 10,000,000 events leaves (``EventDailyCount``; the events table
  itself is never read by the dashboards). Assumption, from the shape of Shadowserver reports: 15
  feeds with 1-3 event types each (30 feed/type pairs); on a day a constituent shows up in about 2.5
  of those pairs (sparse: most constituents are in few reports), plus one unattributed row per pair
  and severity; the events of a row are drawn long-tailed (mean ~21), scaled so the year adds up to
  ten million. That is about 1,300 rows a day, ~470,000 rows a year.

    createdb -h 127.0.0.1 -U postgres -O siaga siaga_bench_dash
    DATABASE_URL=postgres://siaga@127.0.0.1:5432/siaga_bench_dash \\
        .venv/bin/python -m benchmarks.dashboards.bench_dashboard
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
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.bench_incidents import PROVINCES, ensure_postgres_database

CLASS_WEIGHTS = {
    "malicious-code": 30,
    "information-gathering": 18,
    "intrusion-attempts": 14,
    "fraud": 10,
    "intrusions": 8,
    "availability": 6,
    "vulnerable": 6,
    "information-content-security": 4,
    "abusive-content": 2,
    "other": 2,
}
FEEDS = [f"shadowserver-feed-{n:02d}" for n in range(15)]
EVENT_TYPES = [
    ("vulnerable", "vulnerable-system"),
    ("vulnerable", "potentially-unwanted-accessible"),
    ("vulnerable", "ddos-amplifier"),
    ("malicious-code", "infected-system"),
    ("malicious-code", "c2-server"),
    ("information-gathering", "scanner"),
    ("intrusion-attempts", "brute-force"),
    ("vulnerable", "weak-crypto"),
]
EVENTS_PER_YEAR = 10_000_000


def seed_organizations(rng: random.Random, count: int) -> list[Any]:
    from siaga.constituents.models import ConstituentProfile
    from siaga.organizations.models import Organization

    existing = list(Organization.objects.filter(name__startswith="RS Dash "))
    if existing:
        return existing
    kinds = ["hospital", "hospital", "clinic", "laboratory", "pharmacy"]
    Organization.objects.bulk_create(
        [
            Organization(
                name=f"RS Dash {i:04d}", kind="constituent", constituent_type=rng.choice(kinds)
            )
            for i in range(count)
        ]
    )
    organizations = list(Organization.objects.filter(name__startswith="RS Dash "))
    ConstituentProfile.objects.bulk_create(
        [ConstituentProfile(organization=o, province=rng.choice(PROVINCES)) for o in organizations]
    )
    return organizations


def seed_incidents(rng: random.Random, args: argparse.Namespace, organizations: list[Any]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from siaga.incidents.choices import Priority
    from siaga.incidents.models import Incident, LegalClock
    from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS

    if Incident.objects.filter(reference__startswith="DASH-").count() >= args.incidents:
        return
    now = timezone.now()
    classes, weights = list(CLASS_WEIGHTS), list(CLASS_WEIGHTS.values())
    through = Incident.affected_constituents.through
    for start in range(0, args.incidents, 10_000):
        batch = []
        for i in range(start, min(args.incidents, start + 10_000)):
            reported = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            rsit_class = rng.choices(classes, weights)[0]
            acknowledged = (
                reported + timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.67 else None
            )
            resolved = (
                reported + timedelta(hours=rng.randint(2, 400)) if rng.random() < 0.5 else None
            )
            batch.append(
                Incident(
                    reference=f"DASH-{i:07d}",
                    title="Bench incident",
                    status="closed" if resolved and rng.random() < 0.8 else "analysis",
                    closure_reason="resolved" if resolved else "",
                    priority=rng.choices(Priority.values, [5, 15, 40, 40])[0],
                    rsit_class=rsit_class,
                    rsit_type=rng.choice(RSIT_TYPES_BY_CLASS[rsit_class]),
                    reported_at=reported,
                    acknowledged_at=acknowledged,
                    triaged_at=acknowledged,
                    resolved_at=resolved,
                )
            )
        with transaction.atomic():
            created = Incident.objects.bulk_create(batch)
            through.objects.bulk_create(
                [
                    through(incident_id=i.pk, organization_id=rng.choice(organizations).pk)
                    for i in created
                ]
            )
        print(f"  seeded {start + len(batch):,} incidents", flush=True)
    with connection.cursor() as cursor:  # created_at is set on insert: move it to the report's time
        cursor.execute(
            "UPDATE incidents_incident SET created_at = reported_at + interval '3 minutes' "
            "WHERE reference LIKE 'DASH-%%'"
        )
    open_ones = list(
        Incident.objects.filter(reference__startswith="DASH-", resolved_at__isnull=True)[:300]
    )
    LegalClock.objects.bulk_create(
        [
            LegalClock(
                incident=incident,
                kind="pdp_notice",
                started_at=now - timedelta(hours=24),
                due_at=now + timedelta(hours=rng.randint(-48, 72)),
                warn_at=now,
            )
            for incident in open_ones
        ],
        ignore_conflicts=True,
    )


def seed_advisories(rng: random.Random, organizations: list[Any]) -> None:
    from django.utils import timezone

    from siaga.advisories.models import Advisory, AdvisoryRecipient
    from siaga.organizations.models import Organization

    if Advisory.objects.filter(tracking_id__startswith="DASH-").exists():
        return
    cert, _ = Organization.objects.get_or_create(name="Dash CERT", defaults={"kind": "cert"})
    now = timezone.now()
    for n in range(200):
        advisory = Advisory.objects.create(
            tracking_id=f"DASH-ADV-{n:04d}",
            kind="advisory",
            severity="high",
            tlp="clear",
            title_id=f"Peringatan {n}",
            title_en=f"Advisory {n}",
            organization=cert,
            version=1,
        )
        sent = now - timedelta(days=rng.randint(0, 364))
        AdvisoryRecipient.objects.bulk_create(
            [
                AdvisoryRecipient(
                    advisory=advisory,
                    organization=org,
                    reason="all",
                    notified_at=sent,
                    answer="patched" if rng.random() < 0.4 else "",
                )
                for org in rng.sample(organizations, 60)
            ]
        )


def seed_rollups(rng: random.Random, organizations: list[Any]) -> int:
    from django.db import transaction
    from django.utils import timezone

    from siaga.events.models import EventDailyCount

    if EventDailyCount.objects.exists():
        return EventDailyCount.objects.count()
    pairs = [(feed, *rng.choice(EVENT_TYPES)) for feed in FEEDS for _ in range(2)]
    today = timezone.localdate()
    # Per constituent, the few pairs it tends to appear in (sparsity), and how often a day.
    habits = {
        org.pk: (rng.sample(pairs, rng.randint(2, 6)), rng.uniform(0.3, 0.9))
        for org in organizations
    }
    raw: list[tuple[Any, ...]] = []
    for back in range(365):
        day = today - timedelta(days=back)
        for org_id, (usual, rate) in habits.items():
            for feed, taxonomy, kind in usual:
                if rng.random() < rate * 0.75:
                    raw.append(
                        (
                            day,
                            feed,
                            taxonomy,
                            kind,
                            org_id,
                            rng.choice((1, 2, 3)),
                            rng.paretovariate(1.6),
                        )
                    )
        for feed, taxonomy, kind in pairs:
            raw.append((day, feed, taxonomy, kind, None, 2, rng.paretovariate(1.2) * 5))
    scale = EVENTS_PER_YEAR / sum(row[-1] for row in raw)
    rows = [
        EventDailyCount(
            day=day,
            feed_name=feed,
            classification_taxonomy=taxonomy,
            classification_type=kind,
            constituent_id=org_id,
            severity=severity,
            events=max(1, round(weight * scale)),
            findings=max(1, round(weight * scale * 1.3)),
        )
        for day, feed, taxonomy, kind, org_id, severity, weight in raw
    ]
    with transaction.atomic():
        EventDailyCount.objects.bulk_create(rows, batch_size=10_000, ignore_conflicts=True)
    return len(rows)


def rebuild_incident_rollups() -> None:
    """The incidents were bulk-created and their creation times rewritten in SQL, behind the
    signals' back: rebuild the incident roll-ups from them (what ``rebuild_dashboard_rollups``
    does), timed, if they do not match the incidents already."""
    from django.db.models import Sum

    from siaga.dashboards.models import IncidentDailyCount
    from siaga.dashboards.rollups import rebuild
    from siaga.incidents.models import Incident

    counted = IncidentDailyCount.objects.aggregate(n=Sum("incidents"))["n"] or 0
    if counted == Incident.objects.filter(merged_into__isnull=True).count():
        return
    started = time.perf_counter()
    days = rebuild()
    print(f"incident roll-ups rebuilt: {days} days in {time.perf_counter() - started:.1f} s")


def timed(
    label: str, runs: int, request: Callable[[int], Any], before: Callable[[], None] | None = None
) -> dict[str, Any]:
    request(0)  # warm imports and connections
    samples = []
    for i in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = request(i)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    samples.sort()
    return {
        "label": label,
        "p50": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
    }


def measure(args: argparse.Namespace, organizations: list[Any]) -> list[dict[str, Any]]:
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from benchmarks.bench_incidents import make_or_get_user
    from siaga.accounts.roles import Role
    from siaga.core.testing import api_client_for, login, make_user
    from siaga.organizations.models import Organization

    cert = Organization.objects.get(name="Dash CERT")
    analyst = make_or_get_user("dash-analyst@cert.test", cert, Role.CERT_ANALYST, make_user)
    member = make_or_get_user(
        "dash-member@rs.test", organizations[0], Role.CONSTITUENT_ADMIN, make_user
    )
    web = login(Client(), analyst)
    own = login(Client(), member)
    api = api_client_for(analyst, "read")
    today = timezone.localdate()
    periods = {
        "7 days": {"period": "7d"},
        "30 days": {"period": "30d"},
        "90 days": {"period": "90d"},
        "this quarter": {"period": "this_quarter"},
        "last quarter": {"period": "last_quarter"},
        "custom: a year": {
            "from": (today - timedelta(days=364)).isoformat(),
            "to": today.isoformat(),
        },
    }
    results = []
    for name, query in periods.items():
        results.append(
            timed(
                f"page, cold, {name}",
                args.runs,
                lambda i, q=query: web.get("/dashboards/", q),
                cache.clear,
            )
        )
    from siaga.dashboards.sector import bump_version

    for name in ("30 days", "90 days", "custom: a year"):
        query = periods[name]
        results.append(
            timed(
                f"page, after a write, {name}",
                args.runs,
                lambda i, q=query: web.get("/dashboards/", q),
                bump_version,
            )
        )
    for name in ("30 days", "90 days"):
        query = periods[name]
        results.append(
            timed(f"page, warm, {name}", args.runs, lambda i, q=query: web.get("/dashboards/", q))
        )
    results.append(
        timed(
            "API sector, cold, 30 days",
            args.runs,
            lambda i: api.get("/api/v1/dashboards/sector"),
            cache.clear,
        )
    )
    results.append(
        timed(
            "constituent page, 90 days",
            args.runs,
            lambda i: own.get("/dashboards/mine/", {"period": "90d"}),
        )
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--constituents", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (see the docstring).")
    ensure_postgres_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    started = time.perf_counter()
    organizations = seed_organizations(rng, args.constituents)
    seed_incidents(rng, args, organizations)
    seed_advisories(rng, organizations)
    rollup_rows = seed_rollups(rng, organizations)
    rebuild_incident_rollups()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded in {time.perf_counter() - started:.0f} s; {rollup_rows:,} roll-up rows", flush=True
    )
    results = measure(args, organizations)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor} {connection.pg_version}; {args.incidents:,} incidents, "
        f"{rollup_rows:,} roll-up rows (10,000,000 events a year), {args.constituents} constituents; "
        f"{args.runs} requests each"
    )
    for row in results:
        print(f"{row['label']:<34} p50 {row['p50']:7.1f} ms   p95 {row['p95']:7.1f} ms")


if __name__ == "__main__":
    main()
