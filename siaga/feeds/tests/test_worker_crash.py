"""A real worker killed in the middle of a report: another finishes it, nothing lost or doubled.

Real Celery worker processes on the configured broker and the test database (committed data).
The report is the bundled Shadowserver "Accessible FTP" type; chunks of 4 KiB make a few hundred
transactions, so the kill lands between chunks or inside one (that one rolls back and is redone).
"""

from __future__ import annotations

import time

import pytest
from django.db.models import Sum

from siaga.core.testing import WORKER_STALE_SECONDS, wait_for
from siaga.events.models import Event
from siaga.feeds.actions import JOB_KIND, do_receive_report
from siaga.feeds.choices import FeedReportStatus, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, ReportChunk
from siaga.jobs import actions as job_actions
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 6000  # every sixth row repeats the finding five rows before it: 5,000 findings


def report_bytes() -> bytes:
    lines = [b'"timestamp","ip","protocol","port","hostname","tag","asn","geo"']
    for n in range(ROWS):
        finding = n - 5 if n % 6 == 5 else n
        lines.append(
            f'"2026-11-29 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}",'
            f'"10.{finding // 65536 % 256}.{finding // 256 % 256}.{finding % 256}","tcp",21,,'
            f'"ftp",64500,"ID"'.encode()
        )
    return b"\n".join(lines) + b"\n"


def test_a_report_survives_its_worker_being_killed(workers, monkeypatch):
    monkeypatch.setenv("SIAGA_FEED_CHUNK_KB", "4")
    feed = Feed.objects.create(name="Shadowserver", parser=ParserKind.SHADOWSERVER)
    data = report_bytes()
    first = workers("feeds-first")
    report, _created = do_receive_report(
        feed, [data], "2026-11-29-scan_ftp-id.csv", source=ReportSource.UPLOAD
    )
    job = Job.objects.get(kind=JOB_KIND)
    wait_for(
        lambda: ReportChunk.objects.filter(report=report).count() >= 5,
        90,
        "the first worker stored no chunk",
    )
    first.kill()
    chunks_before = ReportChunk.objects.filter(report=report).count()
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING

    time.sleep(WORKER_STALE_SECONDS + 1)
    workers("feeds-second")
    assert job.pk in job_actions.requeue_stalled_jobs()
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, 120, "the job was not finished")

    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    report = FeedReport.objects.get(pk=report.pk)
    assert report.status == FeedReportStatus.DONE
    assert ReportChunk.objects.filter(report=report).count() > chunks_before
    assert report.rows_read == ROWS
    events = Event.objects.filter(report=report)
    # Nothing doubled: one event per finding, the repeats counted on it; nothing lost: every row.
    assert events.count() == 5000
    assert events.values("dedupe_key").distinct().count() == 5000
    assert events.aggregate(total=Sum("count"))["total"] == ROWS
    assert report.events_stored == events.count()
    assert report.events_stored + report.duplicates == ROWS
