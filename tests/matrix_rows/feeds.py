"""Permission-matrix rows of the feeds app: the CERT's staff read and hand in reports, the auditor
reads, the CERT's leads and administrators configure feeds; constituents see none of it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from siaga.core.testing import Personas
from siaga.feeds.choices import FeedReportStatus, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow
from tests.matrix_base import CERT_STAFF, Operation, Page

READS_FEEDS = CERT_STAFF | {"auditor"}
MANAGES_FEEDS = frozenset({"cert_admin", "cert_lead"})

# A Shadowserver report: its name names the scan_ftp type; its content is never processed here
# (the matrix mocks the job's dispatch).
REPORT_FILE = b'"timestamp","ip","port"\n"2026-01-31 01:00:00","192.0.2.10",21\n'


def rows(personas: Personas) -> dict[str, Any]:
    feed = Feed.objects.create(
        name="Matrix Shadowserver", provider="Shadowserver", parser=ParserKind.SHADOWSERVER
    )
    # Made directly, without a stored file: the pages and the API only read its row, and
    # "process again" only queues a job.
    report = FeedReport.objects.create(
        feed=feed,
        file_name="2026-01-30-scan_ftp-matrix.csv",
        sha256=hashlib.sha256(b"matrix report").hexdigest(),
        size=1024,
        source=ReportSource.UPLOAD,
        report_type="scan_ftp",
        status=FeedReportStatus.DONE,
        rows_read=3,
        events_stored=2,
        rows_quarantined=1,
        received_by=personas.cert_analyst,
    )
    QuarantinedRow.objects.create(report=report, row=3, reason="ragged line", raw="a,b")
    return {"feed_id": feed.pk, "feed_report_id": report.pk}


def _feed(w: Any) -> list[Any]:
    return [w.extra["feed_id"]]


def _report(w: Any) -> list[Any]:
    return [w.extra["feed_report_id"]]


def _unchanged_feed_form(w: Any) -> dict[str, Any]:
    """The feed's own values: saving them leaves the world as it was."""
    return {
        "name": "Matrix Shadowserver",
        "provider": "Shadowserver",
        "parser": ParserKind.SHADOWSERVER,
        "collector": "upload",
        "url": "",
        "fetch_every_minutes": "1440",
        "is_active": "on",
        "description": "",
    }


PAGES = [
    Page("feeds:report-list", READS_FEEDS),
    Page("feeds:report-detail", READS_FEEDS, args=_report),
    Page("feeds:report-upload", CERT_STAFF),
    Page("feeds:report-reprocess", CERT_STAFF, method="post", args=_report),
    # Trying quarantined rows again: the desk (feedreport.add); the matrix report has no stored
    # file, so the row stays quarantined with that reason — nothing else changes.
    Page("feeds:quarantine-retry", CERT_STAFF, args=lambda w: [w.extra["feed_report_id"], 3]),
    Page("feeds:quarantine-retry-all", CERT_STAFF, method="post", args=_report),
    Page("feeds:feed-list", READS_FEEDS),
    Page("feeds:feed-create", MANAGES_FEEDS),
    Page("feeds:feed-edit", MANAGES_FEEDS, method="post", args=_feed, data=_unchanged_feed_form),
]

OPERATIONS = [
    Operation("get", "/api/v1/feeds", READS_FEEDS),
    Operation(
        "post",
        "/api/v1/feeds",
        MANAGES_FEEDS,
        body={"name": "Matrix Feodo", "parser": "feodo_json"},
    ),
    Operation("get", "/api/v1/feeds/{id}", READS_FEEDS, lambda w: {"id": w.extra["feed_id"]}),
    Operation(
        "patch",
        "/api/v1/feeds/{id}",
        MANAGES_FEEDS,
        lambda w: {"id": w.extra["feed_id"]},
        {"description": "Daily reports."},
    ),
    Operation(
        "post",
        "/api/v1/feeds/{id}/reports",
        CERT_STAFF,
        lambda w: {"id": w.extra["feed_id"]},
        form={"file": lambda: SimpleUploadedFile("2026-01-31-scan_ftp-matrix.csv", REPORT_FILE)},
    ),
    Operation("get", "/api/v1/feed-reports", READS_FEEDS),
    Operation(
        "get", "/api/v1/feed-reports/{id}", READS_FEEDS, lambda w: {"id": w.extra["feed_report_id"]}
    ),
    Operation(
        "get",
        "/api/v1/feed-reports/{id}/quarantine",
        READS_FEEDS,
        lambda w: {"id": w.extra["feed_report_id"]},
    ),
    Operation(
        "post",
        "/api/v1/feed-reports/{id}/quarantine/retry",
        CERT_STAFF,
        lambda w: {"id": w.extra["feed_report_id"]},
        body={"rows": [3]},
    ),
    Operation(
        "post",
        "/api/v1/feed-reports/{id}/reprocess",
        CERT_STAFF,
        lambda w: {"id": w.extra["feed_report_id"]},
    ),
]
