"""The feeds API: feeds, handing in a report (202, 400, 413, 415), reports, quarantine, reprocess."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.testing import api_client_for
from siaga.feeds import actions
from siaga.feeds.choices import FeedReportStatus, ParserKind
from siaga.feeds.models import Feed, FeedReport
from siaga.feeds.tests.test_views import (  # noqa: F401  (fixtures: feed, and the autouse store)
    REPORT,
    REPORT_NAME,
    receive,
    report_store,
    run_jobs,
    shadowserver_feed,
)
from siaga.jobs.models import Job

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def hand_in(client: Any, feed: Feed, content: bytes = REPORT, name: str = REPORT_NAME) -> Any:
    return client.post(
        f"/api/v1/feeds/{feed.pk}/reports", {"file": SimpleUploadedFile(name, content)}
    )


# --- Feeds ---------------------------------------------------------------------------------------


def test_staff_and_the_auditor_list_feeds_and_constituents_may_not(personas, feed):
    for persona in ("cert_analyst", "auditor"):
        body = api_client_for(personas.by_name(persona)).get("/api/v1/feeds").json()
        assert body["count"] == 1
        (row,) = body["results"]
        assert (row["name"], row["parser"], row["last_report_id"]) == (
            "Shadowserver",
            "shadowserver",
            None,
        )
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get("/api/v1/feeds").status_code == 403
    assert reporter.get(f"/api/v1/feeds/{feed.pk}").status_code == 404


def test_a_lead_creates_and_changes_a_feed(personas):
    lead = api_client_for(personas.cert_lead)
    created = lead.post(
        "/api/v1/feeds",
        {
            "name": "Feodo Tracker",
            "provider": "abuse.ch",
            "parser": "feodo_json",
            "collector": "http",
            "url": "https://feodotracker.abuse.ch/downloads/ipblocklist.json",
            "fetch_every_minutes": 30,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["collector"], body["fetch_every_minutes"], body["is_active"]) == ("http", 30, True)
    changed = lead.patch(
        f"/api/v1/feeds/{body['id']}", {"is_active": False}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False
    assert changed.json()["url"] == body["url"]  # fields not sent stay as they were
    assert Feed.objects.get().is_active is False


def test_analysts_and_the_auditor_may_not_configure_feeds(personas, feed):
    data = {"name": "Another", "parser": "feodo_csv"}
    for persona in ("cert_analyst", "auditor"):
        client = api_client_for(personas.by_name(persona))
        response = client.post("/api/v1/feeds", data, content_type="application/json")
        assert response.status_code == 403
        patch = client.patch(
            f"/api/v1/feeds/{feed.pk}", {"is_active": False}, content_type="application/json"
        )
        assert patch.status_code == 403
    assert list(Feed.objects.values_list("name", "is_active")) == [("Shadowserver", True)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "X", "parser": "feodo_csv", "collector": "http"}, "url"),
        ({"name": "X", "parser": "feodo_csv", "url": "http://evil.example/"}, "url"),
        ({"name": "Shadowserver", "parser": "feodo_csv"}, "name"),
        ({"name": "X", "parser": "nonsense"}, "parser"),
        ({"name": "X", "parser": "feodo_csv", "fetch_every_minutes": 0}, "fetch_every_minutes"),
        ({"name": "X", "parser": "feodo_csv", "owner": 1}, "owner"),
    ],
)
def test_invalid_feeds_are_422_naming_the_field(personas, feed, data, field):
    response = api_client_for(personas.cert_admin).post(
        "/api/v1/feeds", data, content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Feed.objects.count() == 1


# --- Handing in a report ---------------------------------------------------------------------------


def test_a_report_handed_in_is_accepted_processed_and_readable(personas, feed):
    analyst = api_client_for(personas.cert_analyst)
    response = hand_in(analyst, feed)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["created"] is True
    report = FeedReport.objects.get()
    assert body["report"]["id"] == report.pk
    assert body["report"]["source"] == "api" and body["report"]["report_type"] == "scan_ftp"
    assert body["job"] == Job.objects.get(kind=actions.JOB_KIND).pk
    run_jobs()

    detail = analyst.get(f"/api/v1/feed-reports/{report.pk}").json()
    assert detail["status"] == "done"
    assert (detail["rows_read"], detail["events_stored"], detail["duplicates"]) == (5, 2, 1)
    assert detail["rows_quarantined"] == 2
    assert detail["received_by"]["email"] == personas.cert_analyst.email

    quarantine = analyst.get(f"/api/v1/feed-reports/{report.pk}/quarantine?limit=1").json()
    assert quarantine["count"] == 2 and quarantine["next"]
    assert quarantine["results"][0]["row"] == 4
    assert quarantine["results"][0]["raw"] == "<script>alert(1)</script>"

    feeds = analyst.get(f"/api/v1/feeds/{feed.pk}").json()
    assert feeds["last_report_id"] == report.pk


def test_the_same_file_again_answers_with_the_earlier_report(personas, feed):
    first = receive(feed)
    response = hand_in(api_client_for(personas.cert_analyst), feed, name="again-scan_ftp.csv")
    assert response.status_code == 202
    assert response.json()["created"] is False
    assert response.json()["job"] is None
    assert response.json()["report"]["id"] == first.pk
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1


def test_a_name_that_names_no_report_type_is_400(personas, feed):
    response = hand_in(api_client_for(personas.cert_analyst), feed, name="daily.csv")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "daily.csv is not a Shadowserver report type" in response.json()["detail"]
    assert not FeedReport.objects.exists()


def test_a_body_that_is_not_multipart_is_415(personas, feed):
    response = api_client_for(personas.cert_analyst).post(
        f"/api/v1/feeds/{feed.pk}/reports", {"file": "x"}, content_type="application/json"
    )
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


def test_a_file_over_the_limit_is_413(personas, feed, settings):
    settings.SIAGA_FEED_REPORT_MAX_MB = 1
    response = hand_in(api_client_for(personas.cert_analyst), feed, REPORT + b"x" * (1024 * 1024))
    assert response.status_code == 413
    assert response.json()["detail"] == "The file is larger than 1 MB."
    assert not FeedReport.objects.exists()


def test_a_multipart_body_without_the_file_or_with_an_empty_one_is_422(personas, feed):
    client = api_client_for(personas.cert_analyst)
    missing = client.post(f"/api/v1/feeds/{feed.pk}/reports", {"note": "x"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file"
    empty = hand_in(client, feed, b"")
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"field": "file", "message": "The file is empty."}]


def test_a_switched_off_feed_takes_no_reports(personas, feed):
    Feed.objects.filter(pk=feed.pk).update(is_active=False)
    response = hand_in(api_client_for(personas.cert_analyst), feed)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "feed"


def test_who_may_hand_in_reports(personas, feed):
    assert hand_in(api_client_for(personas.auditor), feed).status_code == 403
    assert hand_in(api_client_for(personas.cert_analyst, "read"), feed).status_code == 403
    assert hand_in(api_client_for(personas.constituent_admin), feed).status_code == 404
    assert not FeedReport.objects.exists()


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # Names the test client can send at all (it refuses to build a file named "", "." or "a/").
    name=st.text(min_size=1, max_size=80).filter(
        lambda n: "\x00" not in n and os.path.basename(n) not in ("", ".", "..")
    ),
    content=st.binary(max_size=400),
    parser=st.sampled_from(ParserKind.values),
)
def test_any_file_is_a_report_or_a_clear_refusal(personas, name, content, parser):
    """Whatever name and bytes arrive: 202 with a report, or a 4xx problem saying why."""
    with transaction.atomic():
        target = Feed.objects.create(name="Fuzzed", parser=parser)
        response = hand_in(api_client_for(personas.cert_analyst), target, content, name)
        assert response.status_code in (202, 400, 422), response.content
        if response.status_code == 202:
            report = FeedReport.objects.get(pk=response.json()["report"]["id"])
            assert report.size == len(content) and report.feed_id == target.pk
        else:
            assert response["Content-Type"] == PROBLEM and response.json()["detail"]
            assert not FeedReport.objects.exists()
        transaction.set_rollback(True)


# --- Reports ----------------------------------------------------------------------------------------


def test_reports_are_listed_newest_first_and_filtered(personas, feed):
    other = Feed.objects.create(name="Feodo", parser=ParserKind.FEODO_CSV)
    first = receive(feed)
    second = receive(other, b"first_seen_utc,dst_ip\n2026-01-31 00:00:00,203.0.113.5\n", "f.csv")
    FeedReport.objects.filter(pk=first.pk).update(status=FeedReportStatus.DONE)
    client = api_client_for(personas.auditor)
    listed = client.get("/api/v1/feed-reports").json()
    assert [row["id"] for row in listed["results"]] == [second.pk, first.pk]
    assert listed["results"][0]["feed"] == {"id": other.pk, "name": "Feodo"}
    by_feed = client.get(f"/api/v1/feed-reports?feed={feed.pk}").json()
    assert [row["id"] for row in by_feed["results"]] == [first.pk]
    by_status = client.get("/api/v1/feed-reports?status=received").json()
    assert [row["id"] for row in by_status["results"]] == [second.pk]
    assert client.get("/api/v1/feed-reports?status=lost").status_code == 422


def test_constituents_see_no_reports(personas, feed):
    report = receive(feed)
    client = api_client_for(personas.constituent_reporter)
    assert client.get("/api/v1/feed-reports").status_code == 403
    for path in ("", "/quarantine"):
        assert client.get(f"/api/v1/feed-reports/{report.pk}{path}").status_code == 404
    assert client.post(f"/api/v1/feed-reports/{report.pk}/reprocess").status_code == 404


def test_reprocess_starts_a_job_that_skips_what_is_stored(personas, feed):
    report = receive(feed)
    run_jobs()
    client = api_client_for(personas.cert_analyst)
    response = client.post(f"/api/v1/feed-reports/{report.pk}/reprocess")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert job.related_object == report and job.created_by == personas.cert_analyst
    (ran,) = run_jobs()
    ran.refresh_from_db()
    assert ran.result["chunks_skipped"] == 1 and ran.result["stored"] == 0


def test_reprocess_is_refused_while_processing_and_to_the_auditor(personas, feed):
    report = receive(feed)
    assert (
        api_client_for(personas.auditor)
        .post(f"/api/v1/feed-reports/{report.pk}/reprocess")
        .status_code
        == 403
    )
    FeedReport.objects.filter(pk=report.pk).update(status=FeedReportStatus.PROCESSING)
    busy = api_client_for(personas.cert_analyst).post(f"/api/v1/feed-reports/{report.pk}/reprocess")
    assert busy.status_code == 422
    assert busy.json()["detail"] == "This report is being processed."
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1
