"""A quarter's sector report with realistic data: generating the snapshot and rendering the PDF.

Setup (not timed): 6,000 incidents over the last five quarters (about 1,200 in the quarter, with
RSIT classes, priorities, acknowledge/resolve times), 600 legal clocks, a year of feed-event
roll-ups (365 days x 40 classification/constituent rows), 60 advisories with 50 recipients each,
and 60 accepted assessment results (through the assessments app's summary when its tables exist,
else a stand-in with the same interface). Timed: ``build_snapshot`` (the queries), the PDF in each
language (target < 10 s), and a published report's second PDF request (served from the file).

    .venv/bin/python -m benchmarks.reports.bench_report_pdf
    DATABASE_URL=postgres://siaga@127.0.0.1:5432/siaga_bench_reports \\
        .venv/bin/python -m benchmarks.reports.bench_report_pdf
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def fresh_postgres_database(url: str) -> None:
    """Drop and create the benchmark's database, so every run seeds the same rows."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> str:
    data_dir = tempfile.mkdtemp(prefix="siaga-bench-reports-")
    os.environ.setdefault("SIAGA_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    os.environ.setdefault("SIAGA_DEBUG", "false")
    database = Path(data_dir) / "bench.sqlite3"
    url = os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    if url.startswith("postgres"):
        fresh_postgres_database(url)
    import django

    django.setup()
    return url.split(":", 1)[0]


def seed(period: Any, incidents: int, rng: random.Random) -> None:
    from django.db import transaction

    from siaga.advisories.models import Advisory, AdvisoryRecipient
    from siaga.events.models import EventDailyCount
    from siaga.incidents.models import Incident, LegalClock
    from siaga.incidents.taxonomy import RsitClass
    from siaga.organizations.models import Organization

    classes = [c for c in RsitClass.values if c != "test"]
    start = period.trailing_months(15)[0].start_at
    span = (period.end_at - start).total_seconds()
    with transaction.atomic():
        cert = Organization.objects.create(name="Bench CERT", kind="cert")
        hospitals = Organization.objects.bulk_create(
            Organization(
                name=f"RSUD Bench {n:03d}", kind="constituent", constituent_type="hospital"
            )
            for n in range(60)
        )
        rows = []
        for n in range(incidents):
            reported = start + timedelta(seconds=rng.random() * span)
            acknowledged = reported + timedelta(minutes=rng.randint(5, 600))
            resolved = (
                acknowledged + timedelta(hours=rng.randint(1, 300)) if rng.random() < 0.8 else None
            )
            rows.append(
                Incident(
                    reference=f"SIAGA-BENCH-{n:06d}",
                    title=f"Bench incident {n}",
                    rsit_class=rng.choice(classes),
                    priority=rng.choice(["P1", "P2", "P3", "P3", "P4", "P4"]),
                    reported_at=reported,
                    acknowledged_at=acknowledged,
                    resolved_at=resolved,
                )
            )
        made = Incident.objects.bulk_create(rows, batch_size=1000)
        clocks = []
        for incident in rng.sample(made, 600):
            due = incident.reported_at + timedelta(hours=72)
            sent = rng.random()
            clocks.append(
                LegalClock(
                    incident=incident,
                    kind="pdp_notice",
                    started_at=incident.reported_at,
                    due_at=due,
                    warn_at=due - timedelta(hours=12),
                    status="sent" if sent < 0.85 else "running",
                    sent_at=due + timedelta(hours=rng.randint(-60, 10)) if sent < 0.85 else None,
                )
            )
        LegalClock.objects.bulk_create(clocks)
        taxonomies = [
            "vulnerable",
            "malicious-code",
            "intrusion-attempts",
            "information-gathering",
            "abusive-content",
        ]
        rollups, day = [], period.end - timedelta(days=365)
        while day < period.end:
            for n in range(40):
                rollups.append(
                    EventDailyCount(
                        day=day,
                        feed_name=f"feed-{n % 4}",
                        classification_taxonomy=taxonomies[n % 5],
                        classification_type=f"type-{n % 7}",
                        constituent_id=hospitals[n].pk,
                        severity=1 + n % 4,
                        events=rng.randint(0, 500),
                        findings=rng.randint(0, 900),
                    )
                )
            day += timedelta(days=1)
        EventDailyCount.objects.bulk_create(rollups, batch_size=2000)
        for n in range(60):
            published = period.start_at + timedelta(days=rng.randint(0, 89))
            advisory = Advisory.objects.create(
                tracking_id=f"BENCH-ADV-{n:03d}",
                kind="advisory",
                organization=cert,
                status="published",
                version=1,
                first_published_at=published,
                last_published_at=published,
            )
            AdvisoryRecipient.objects.bulk_create(
                AdvisoryRecipient(
                    advisory=advisory,
                    organization=hospital,
                    reason="criteria",
                    answer=rng.choice(
                        ["", "", "patched", "not_affected", "mitigating", "need_help"]
                    ),
                )
                for hospital in hospitals[:50]
            )


def stand_in_assessments(period: Any, rng: random.Random) -> Any:
    def result(n: int, when: datetime, score: float) -> Any:
        return SimpleNamespace(
            organization_id=n,
            organization_name=f"RSUD Bench {n:03d}",
            framework_name="NIST CSF 2.0",
            campaign_name="Bench",
            accepted_at=when,
            score_percent=score,
            maturity="Defined",
        )

    now = [result(n, period.start_at + timedelta(days=n), rng.uniform(30, 95)) for n in range(60)]
    before = {
        n: [result(n, period.start_at - timedelta(days=200), rng.uniform(20, 80)), now[n]]
        for n in range(60)
    }
    return SimpleNamespace(
        accepted_results=lambda start, end, **_: [r for r in now if start <= r.accepted_at < end],
        organization_trend=lambda org_id, framework_slug=None: before.get(org_id, []),
    )


def timed(label: str, work: Any) -> Any:
    started = time.perf_counter()
    value = work()
    print(f"{label:<44} {time.perf_counter() - started:7.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    backend = setup_django()
    from django.core.management import call_command

    from siaga.reports import actions, periods, snapshot
    from siaga.reports.pdf import render_pdf, report_pdf

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    period = periods.quarter_of(date(2026, 8, 15))
    timed("seed (not part of the target)", lambda: seed(period, args.incidents, rng))
    # No assessments are seeded through the assessments app (its campaigns and answers are its
    # own); a stand-in with its interface gives the report 60 accepted results.
    fake = stand_in_assessments(period, rng)
    snapshot.assessment_summary = lambda: fake  # type: ignore[assignment]
    source = "stand-in (60 results)"
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {backend}, assessments: {source}"
    )
    report = timed("build_snapshot + save (do_generate)", lambda: actions.do_generate(period)[0])
    print(
        f"  incidents in the quarter: {report.snapshot['incidents']['total']}, "
        f"assessment rows: {len(report.snapshot['assessments'])}"
    )
    timed("WeasyPrint import (once per process)", lambda: __import__("weasyprint"))
    for language in ("id", "en"):
        data = timed(f"PDF ({language})", lambda language=language: render_pdf(report, language))
        import io

        import pypdfium2 as pdfium

        print(f"  {len(data) / 1024:.0f} KiB, {len(pdfium.PdfDocument(io.BytesIO(data)))} pages")
    report.narrative_id, report.narrative_en, report.status = "Bench.", "Bench.", "published"
    report.save()
    timed("published PDF, first request (render + store)", lambda: report_pdf(report, "en"))
    timed("published PDF, second request (stored file)", lambda: report_pdf(report, "en"))


if __name__ == "__main__":
    main()
