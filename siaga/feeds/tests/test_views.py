"""The feed pages: reports (list, detail, hand in, process again) and feeds (list, create, edit).

A small Shadowserver-format report of the ``scan_ftp`` type (the table Siaga ships) goes from the
upload form through the ``feeds.process`` job to the report's page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.constituents.lookup import forget_index
from siaga.core.testing import login
from siaga.events.models import Event
from siaga.feeds import actions
from siaga.feeds.choices import CollectorKind, FeedReportStatus, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow
from siaga.feeds.parsers import shadowserver
from siaga.jobs.actions import claim_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job

pytestmark = pytest.mark.django_db

REPORT_NAME = "2026-01-31-scan_ftp-indonesia-geo.csv"


def _scan_ftp_columns() -> list[str]:
    """The columns of the scan_ftp report in the table Siaga ships (a real report has them all)."""
    table = json.loads(shadowserver.DEFAULT_SCHEMA.read_text())["scan_ftp"]
    return [rule[1] for rule in table["required_fields"] + table["optional_fields"]]


COLUMNS = _scan_ftp_columns()


def csv_line(**values: Any) -> bytes:
    return (",".join(f'"{values.get(column, "")}"' for column in COLUMNS) + "\n").encode()


HEADER = (",".join(f'"{column}"' for column in COLUMNS) + "\n").encode()
# Five rows: two findings, one repeat of the first, one ragged line (with markup that must be
# shown as text) and one whose address is not an address.
FINDING = {"protocol": "tcp", "port": 21, "geo": "ID"}
ROWS = (
    csv_line(timestamp="2026-01-31 01:00:00", ip="192.0.2.10", asn=64500, banner="220", **FINDING)
    + csv_line(timestamp="2026-01-31 01:05:00", ip="198.51.100.7", asn=64501, **FINDING)
    + csv_line(timestamp="2026-01-31 02:00:00", ip="192.0.2.10", asn=64500, **FINDING)
    + b"<script>alert(1)</script>\n"
    + csv_line(timestamp="2026-01-31 03:00:00", ip="not-an-address", **FINDING)
)
REPORT = HEADER + ROWS


@pytest.fixture(autouse=True)
def report_store(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    forget_index()  # the ownership index is cached per process; each test has its own registry
    yield
    forget_index()


@pytest.fixture(name="feed")
def shadowserver_feed(db: Any) -> Feed:
    return Feed.objects.create(
        name="Shadowserver", provider="Shadowserver", parser=ParserKind.SHADOWSERVER
    )


def upload_file(content: bytes = REPORT, name: str = REPORT_NAME) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def run_jobs() -> list[Job]:
    """Run the queued ``feeds.process`` jobs as a worker would."""
    ran = []
    for job in Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED).order_by("pk"):
        claimed = claim_job(job.pk)
        assert claimed is not None
        execute_job(claimed)
        ran.append(claimed)
    return ran


def receive(feed: Feed, content: bytes = REPORT, name: str = REPORT_NAME) -> FeedReport:
    report, created = actions.do_receive_report(feed, [content], name, source=ReportSource.CLI)
    assert created
    return report


# --- Who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("cert_lead", 200),
        ("auditor", 200),
        ("constituent_admin", 403),
        ("constituent_reporter", 403),
        ("outsider", 403),
    ],
)
def test_who_sees_the_reports_and_feeds(client, personas, feed, persona, status):
    report = receive(feed)
    login(client, personas.by_name(persona))
    assert client.get(reverse("feeds:report-list")).status_code == status
    assert client.get(reverse("feeds:feed-list")).status_code == status
    detail = client.get(reverse("feeds:report-detail", args=[report.pk]))
    assert detail.status_code == (200 if status == 200 else 404)


def test_the_auditor_reads_but_neither_hands_in_nor_processes(client, personas, feed):
    report = receive(feed)
    login(client, personas.auditor)
    page = client.get(reverse("feeds:report-detail", args=[report.pk])).content.decode()
    assert "Process again" not in page
    assert client.get(reverse("feeds:report-upload")).status_code == 403
    assert client.post(reverse("feeds:report-reprocess", args=[report.pk])).status_code == 403
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1  # only the first processing


def test_anonymous_visitors_are_sent_to_sign_in(client, feed):
    response = client.get(reverse("feeds:report-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Handing in a report, end to end ----------------------------------------------------------------


def test_an_uploaded_report_is_processed_and_its_page_shows_the_outcome(client, personas, feed):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("feeds:report-upload"), {"feed": feed.pk, "file": upload_file()}, follow=True
    )
    report = FeedReport.objects.get()
    assert response.redirect_chain[-1][0] == reverse("feeds:report-detail", args=[report.pk])
    page = response.content.decode()
    assert f"{REPORT_NAME} was received and is being processed." in page
    assert (report.source, report.report_type, report.received_by) == (
        ReportSource.UPLOAD,
        "scan_ftp",
        personas.cert_analyst,
    )
    assert actions.stored_path(report).read_bytes() == REPORT

    (job,) = run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    report.refresh_from_db()
    assert report.status == FeedReportStatus.DONE
    assert (report.rows_read, report.events_stored, report.duplicates, report.rows_quarantined) == (
        5,
        2,
        1,
        2,
    )
    assert Event.objects.filter(report=report).count() == 2

    detail = client.get(reverse("feeds:report-detail", args=[report.pk]))
    html = detail.content.decode()
    assert report.sha256 in html and "scan_ftp" in html
    assert reverse("jobs:detail", args=[job.pk]) in html  # the analyst started it
    rows = list(detail.context["page"].object_list)
    assert [row.row for row in rows] == [4, 5]
    assert rows[0].raw == "<script>alert(1)</script>"
    # The original text is shown as text, never as markup.
    assert '<pre class="log">&lt;script&gt;alert(1)&lt;/script&gt;</pre>' in html
    assert "<script>alert(1)</script>" not in html
    assert "ip" in rows[1].reason  # names the column that could not be read

    listing = client.get(reverse("feeds:report-list")).content.decode()
    assert REPORT_NAME in listing and "Done" in listing


def test_the_same_file_again_leads_to_the_report_received_before(client, personas, feed):
    first = receive(feed)
    login(client, personas.cert_lead)
    response = client.post(
        reverse("feeds:report-upload"),
        {"feed": feed.pk, "file": upload_file(name="copy-of-scan_ftp.csv")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("feeds:report-detail", args=[first.pk])
    assert "This file was received before" in response.content.decode()
    assert FeedReport.objects.count() == 1
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1  # nothing started again


def test_an_oversized_upload_is_refused_and_nothing_is_stored(client, personas, feed, settings):
    settings.SIAGA_FEED_REPORT_MAX_MB = 1
    login(client, personas.cert_analyst)
    big = HEADER + b"x" * (1024 * 1024)
    response = client.post(
        reverse("feeds:report-upload"), {"feed": feed.pk, "file": upload_file(big)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB."]
    assert not FeedReport.objects.exists()
    store = settings.SIAGA_FEED_REPORT_DIR
    assert not store.exists() or not any(store.rglob("*"))


def test_an_empty_file_is_refused(client, personas, feed):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("feeds:report-upload"), {"feed": feed.pk, "file": upload_file(b"")}
    )
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not FeedReport.objects.exists()


def test_a_shadowserver_file_whose_name_names_no_report_type_is_refused(client, personas, feed):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("feeds:report-upload"), {"feed": feed.pk, "file": upload_file(name="daily.csv")}
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert "daily.csv is not a Shadowserver report type Siaga knows" in error
    assert not FeedReport.objects.exists()


def test_only_active_feeds_are_offered(client, personas, feed):
    off = Feed.objects.create(name="Old list", parser=ParserKind.FEODO_CSV, is_active=False)
    login(client, personas.cert_analyst)
    page = client.get(reverse("feeds:report-upload"), {"feed": feed.pk})
    assert list(page.context["form"].fields["feed"].queryset) == [feed]
    assert page.context["form"]["feed"].value() == str(feed.pk)  # chosen from the feed list
    response = client.post(
        reverse("feeds:report-upload"), {"feed": off.pk, "file": upload_file(name="list.csv")}
    )
    assert "feed" in response.context["form"].errors
    assert not FeedReport.objects.exists()


# --- Processing again -------------------------------------------------------------------------------


def test_process_again_skips_what_is_stored(client, personas, feed):
    report = receive(feed)
    run_jobs()
    login(client, personas.cert_analyst)
    page = client.get(reverse("feeds:report-detail", args=[report.pk])).content.decode()
    assert "Process again" in page and "skipped" in page
    response = client.post(reverse("feeds:report-reprocess", args=[report.pk]), follow=True)
    assert "will be processed again" in response.content.decode()
    (again,) = run_jobs()
    assert again.related_object == report
    again.refresh_from_db()
    assert again.result["chunks_skipped"] == 1 and again.result["stored"] == 0
    report.refresh_from_db()
    assert report.events_stored == 2 and Event.objects.count() == 2
    assert QuarantinedRow.objects.filter(report=report).count() == 2
    detail = client.get(reverse("feeds:report-detail", args=[report.pk]))
    assert [job.pk for job, _visible in detail.context["jobs"]] == [
        job.pk for job in Job.objects.filter(kind=actions.JOB_KIND).order_by("-pk")
    ]


def test_a_report_being_processed_is_not_started_again(client, personas, feed):
    report = receive(feed)
    FeedReport.objects.filter(pk=report.pk).update(status=FeedReportStatus.PROCESSING)
    login(client, personas.cert_analyst)
    page = client.get(reverse("feeds:report-detail", args=[report.pk])).content.decode()
    assert "Process again" not in page
    response = client.post(reverse("feeds:report-reprocess", args=[report.pk]), follow=True)
    assert "This report is being processed." in response.content.decode()
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1


def test_another_analysts_job_is_listed_without_a_link(client, personas, feed):
    actions.do_receive_report(
        feed, [REPORT], REPORT_NAME, source=ReportSource.UPLOAD, user=personas.cert_lead
    )
    report = FeedReport.objects.get()
    job = Job.objects.get(kind=actions.JOB_KIND)
    login(client, personas.cert_analyst)  # an analyst sees only their own jobs
    detail = client.get(reverse("feeds:report-detail", args=[report.pk]))
    assert detail.context["jobs"] == [(job, False)]
    assert reverse("jobs:detail", args=[job.pk]) not in detail.content.decode()


# --- The report list -----------------------------------------------------------------------------------


def test_the_list_filters_and_shows_the_progress_of_unfinished_reports(client, personas, feed):
    other = Feed.objects.create(name="Feodo", parser=ParserKind.FEODO_CSV)
    done = receive(feed)
    run_jobs()
    waiting = receive(other, b"first_seen_utc,dst_ip\n2026-01-31 00:00:00,203.0.113.5\n", "f.csv")
    job = Job.objects.get(kind=actions.JOB_KIND, status=JobStatus.QUEUED)
    Job.objects.filter(pk=job.pk).update(progress_done=3, progress_total=4)
    login(client, personas.cert_analyst)

    everything = client.get(reverse("feeds:report-list"))
    assert [report.pk for report, _job in everything.context["rows"]] == [waiting.pk, done.pk]
    rows = dict(everything.context["rows"])
    assert rows[waiting].pk == job.pk and rows[done] is None
    assert 'aria-valuenow="75"' in everything.content.decode()

    by_feed = client.get(reverse("feeds:report-list"), {"feed": feed.pk})
    assert [report for report, _job in by_feed.context["rows"]] == [done]
    by_status = client.get(reverse("feeds:report-list"), {"status": FeedReportStatus.RECEIVED})
    assert [report for report, _job in by_status.context["rows"]] == [waiting]


def test_the_list_costs_the_same_queries_for_more_reports(client, personas, feed):
    login(client, personas.cert_analyst)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("feeds:report-list")).status_code == 200
        return len(captured)

    for number in range(2):
        receive(feed, REPORT + f"# {number}\n".encode())
    few = queries()
    for number in range(2, 8):
        receive(feed, REPORT + f"# {number}\n".encode())
    assert queries() == few


# --- Feeds ---------------------------------------------------------------------------------------


def feed_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "URLhaus",
        "provider": "abuse.ch",
        "parser": ParserKind.URLHAUS_CSV,
        "collector": CollectorKind.HTTP,
        "url": "https://urlhaus.abuse.ch/downloads/csv_recent/",
        "fetch_every_minutes": 60,
        "is_active": "on",
        "description": "",
    }
    data.update(changes)
    return data


def test_a_lead_creates_a_feed_and_analysts_may_not(client, personas):
    login(client, personas.cert_analyst)
    assert client.get(reverse("feeds:feed-create")).status_code == 403
    assert client.post(reverse("feeds:feed-create"), feed_data()).status_code == 403
    listing = client.get(reverse("feeds:feed-list")).content.decode()
    assert reverse("feeds:feed-create") not in listing

    login(client, personas.cert_lead)
    response = client.post(reverse("feeds:feed-create"), feed_data(), follow=True)
    assert "Feed URLhaus saved." in response.content.decode()
    feed = Feed.objects.get()
    assert (feed.parser, feed.collector, feed.fetch_every_minutes) == ("urlhaus_csv", "http", 60)
    assert reverse("feeds:feed-edit", args=[feed.pk]) in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": ""}, "A feed fetched over HTTP needs its address."),
        ({"url": "http://feeds.example.org/list.csv"}, "Feeds must be fetched over https://."),
        (
            {"url": "https://user:secret@feeds.example.org/"},
            "Put no user name or password in the address.",
        ),
        ({"fetch_every_minutes": 0}, "Enter a number of minutes from 1 to 527040."),
    ],
)
def test_feed_addresses_and_schedules_are_checked(client, personas, changes, message):
    login(client, personas.cert_admin)
    response = client.post(reverse("feeds:feed-create"), feed_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in [message for messages in errors.values() for message in messages]
    assert not Feed.objects.exists()


def test_plain_http_is_allowed_to_the_hosts_settings_name(client, personas, settings):
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    login(client, personas.cert_admin)
    client.post(reverse("feeds:feed-create"), feed_data(url="http://127.0.0.1:8080/feed.csv"))
    assert Feed.objects.get().url == "http://127.0.0.1:8080/feed.csv"


def test_an_uploaded_feed_needs_no_address_and_names_are_unique(client, personas, feed):
    login(client, personas.cert_lead)
    client.post(
        reverse("feeds:feed-create"),
        feed_data(name="Partner", collector=CollectorKind.UPLOAD, url=""),
    )
    assert Feed.objects.filter(name="Partner", url="").exists()
    again = client.post(reverse("feeds:feed-create"), feed_data(name="Shadowserver"))
    assert "name" in again.context["form"].errors
    assert Feed.objects.count() == 2


def test_a_lead_edits_a_feed(client, personas, feed):
    login(client, personas.cert_analyst)
    assert client.get(reverse("feeds:feed-edit", args=[feed.pk])).status_code == 403
    login(client, personas.constituent_admin)
    assert client.get(reverse("feeds:feed-edit", args=[feed.pk])).status_code == 404

    login(client, personas.cert_lead)
    form = client.get(reverse("feeds:feed-edit", args=[feed.pk]))
    assert form.context["form"]["name"].value() == "Shadowserver"
    client.post(
        reverse("feeds:feed-edit", args=[feed.pk]),
        feed_data(
            name="Shadowserver",
            parser=ParserKind.SHADOWSERVER,
            collector=CollectorKind.UPLOAD,
            url="",
            is_active="",
            description="Daily reports by e-mail.",
        ),
    )
    feed.refresh_from_db()
    assert (feed.is_active, feed.description) == (False, "Daily reports by e-mail.")


def test_the_feed_list_shows_the_last_report(client, personas, feed):
    report = receive(feed)
    login(client, personas.auditor)
    response = client.get(reverse("feeds:feed-list"))
    html = response.content.decode()
    assert "Shadowserver report (CSV)" in html
    assert reverse("feeds:report-detail", args=[report.pk]) in html
    assert reverse("feeds:feed-edit", args=[feed.pk]) not in html  # the auditor only reads
