"""Quarantined rows tried again one by one: as they are, or as an analyst corrected them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.audit.models import AuditEntry
from siaga.events.models import Event
from siaga.feeds import quarantine
from siaga.feeds.choices import ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow
from siaga.feeds.tests.test_pipeline import receive, run_jobs
from siaga.feeds.tests.test_pipeline import registry as registry
from siaga.feeds.tests.test_pipeline import schema as schema

ROWS = (
    b'"2026-11-29 01:00:00",192.0.2.10,21,64500,"220 ready"\n'
    b'"2026-11-29 01:05:00",192.0.2.300,21,64501,\n'  # no such address
    b"2026-11-29 01:06:00,192.0.2.11,21,64500,one,too,many\n"
)


@pytest.fixture
def feed(db) -> Feed:
    return Feed.objects.create(name="Shadowserver", parser=ParserKind.SHADOWSERVER)


@pytest.fixture
def processed(feed, registry) -> FeedReport:
    report = receive(feed, ROWS)
    run_jobs()
    report.refresh_from_db()
    assert report.rows_quarantined == 2
    return report


def test_a_corrected_row_is_stored_under_its_row_number(processed, personas):
    outcome = quarantine.check_retry_quarantined(
        personas.cert_analyst,
        processed,
        [2],
        corrections={2: '"2026-11-29 01:05:00",192.0.2.30,21,64501,"fixed"'},
    )
    assert outcome.stored == [2] and outcome.events_stored == 1
    event = Event.objects.get(source_ip="192.0.2.30")
    assert event.report_id == processed.pk and event.report_row == 2
    assert event.time_source == datetime(2026, 11, 29, 1, 5, tzinfo=UTC)
    # The stored line is still the old text: the extra columns are kept with the event.
    assert event.report_offset is None and event.extra == {"banner": "fixed"}
    assert event.constituent_id == personas.orgs.hospital.pk
    assert not QuarantinedRow.objects.filter(report=processed, row=2).exists()
    processed.refresh_from_db()
    assert (processed.events_stored, processed.rows_quarantined) == (2, 1)
    entry = AuditEntry.objects.filter(object_id=str(processed.pk)).latest("seq")
    assert entry.changes["stored"] == [2] and entry.changes["corrected"] == [2]


def test_a_row_that_still_cannot_be_read_stays_with_the_new_reason(processed, personas):
    outcome = quarantine.check_retry_quarantined(personas.cert_analyst, processed, [2, 3])
    assert outcome.stored == []
    assert set(outcome.still_quarantined) == {2, 3}
    assert "ip" in outcome.still_quarantined[2]
    kept = QuarantinedRow.objects.get(report=processed, row=3)
    assert kept.raw.endswith("one,too,many")  # the original text is never replaced
    assert Event.objects.count() == 1


def test_a_corrected_repeat_of_a_stored_finding_raises_its_count(processed, personas):
    quarantine.check_retry_quarantined(
        personas.cert_analyst,
        processed,
        [3],
        corrections={3: '"2026-11-29 01:06:00",192.0.2.10,21,64500,"220 ready"'},
    )
    assert Event.objects.get(source_ip="192.0.2.10").count == 2
    processed.refresh_from_db()
    assert (processed.events_stored, processed.duplicates, processed.rows_quarantined) == (1, 1, 1)


def test_only_quarantined_rows_of_this_report_and_a_correction_that_is_one_line(
    processed, personas
):
    with pytest.raises(ValidationError, match="Not quarantined"):
        quarantine.check_retry_quarantined(personas.cert_analyst, processed, [1])
    with pytest.raises(ValidationError):
        quarantine.check_retry_quarantined(personas.cert_analyst, processed, [])
    with pytest.raises(ValidationError):
        quarantine.check_retry_quarantined(
            personas.cert_analyst, processed, [2], corrections={3: "x"}
        )
    outcome = quarantine.check_retry_quarantined(
        personas.cert_analyst, processed, [2], corrections={2: "a\nb"}
    )
    assert outcome.still_quarantined[2] == "a Shadowserver row is one line"


def test_people_without_the_desk_permission_may_not_retry(processed, personas):
    for user in (personas.constituent_reporter, personas.outsider):
        with pytest.raises(PermissionDenied):
            quarantine.check_retry_quarantined(user, processed, [2])


def test_an_intelmq_line_is_tried_as_a_one_line_file(db, personas):
    feed = Feed.objects.create(name="Partner", parser=ParserKind.INTELMQ_JSONL)
    good = (
        b'{"feed.name": "Partner", "classification.taxonomy": "malicious-code", '
        b'"classification.type": "infected-system", "source.ip": "192.0.2.5", '
        b'"time.source": "2026-11-29T01:00:00+00:00"}\n'
    )
    from siaga.feeds import actions

    report, _ = actions.do_receive_report(
        feed,
        [good, b'{"source.ip": "not an address", "feed.name": "Partner"}\n'],
        "p.jsonl",
        source=ReportSource.CLI,
    )
    run_jobs()
    (bad,) = QuarantinedRow.objects.filter(report=report)
    fixed = bad.raw.replace("not an address", "192.0.2.6").replace(
        '"feed.name"',
        '"classification.taxonomy": "malicious-code", "classification.type": '
        '"infected-system", "feed.name"',
    )
    outcome = quarantine.check_retry_quarantined(
        personas.cert_analyst, report, [bad.row], corrections={bad.row: fixed}
    )
    assert outcome.stored == [bad.row], outcome.still_quarantined
    assert Event.objects.get(source_ip="192.0.2.6").report_row == bad.row


def test_the_page_corrects_a_row_and_the_report_lists_it_no_more(processed, personas, client):
    from siaga.core.testing import login

    login(client, personas.cert_analyst)
    url = f"/feeds/reports/{processed.pk}/quarantine/2/retry/"
    page = client.get(url)
    assert page.status_code == 200 and "192.0.2.300" in page.content.decode()
    again = client.post(url, {"text": '"2026-11-29 01:05:00",192.0.2.300,21,64501,'})
    assert again.status_code == 200  # unchanged and still unreadable: the form says why
    assert "ip" in again.content.decode()
    fixed = client.post(url, {"text": '"2026-11-29 01:05:00",192.0.2.31,21,64501,'})
    assert fixed.status_code == 302
    assert Event.objects.filter(source_ip="192.0.2.31", report_row=2).exists()
    assert client.get(url).status_code == 404  # no longer quarantined
    detail = client.get(f"/feeds/reports/{processed.pk}/").content.decode()
    assert f"/feeds/reports/{processed.pk}/quarantine/3/retry/" in detail


def test_the_api_tries_rows_and_answers_what_happened(processed, personas):
    from siaga.core.testing import api_client_for

    api = api_client_for(personas.cert_analyst)
    answer = api.post(
        f"/api/v1/feed-reports/{processed.pk}/quarantine/retry",
        {"rows": [2, 3], "corrections": {"2": '"2026-11-29 01:05:00",192.0.2.32,21,1,'}},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["stored"] == [2] and body["events_stored"] == 1
    assert [item["row"] for item in body["still_quarantined"]] == [3]
    refused = api.post(
        f"/api/v1/feed-reports/{processed.pk}/quarantine/retry",
        {"rows": [1]},
        content_type="application/json",
    )
    assert refused.status_code in (400, 422)
    bad_key = api.post(
        f"/api/v1/feed-reports/{processed.pk}/quarantine/retry",
        {"rows": [3], "corrections": {"three": "x"}},
        content_type="application/json",
    )
    assert bad_key.status_code in (400, 422)
