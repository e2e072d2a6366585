"""Pages and API of digests: who sees which digest, the CSV download, subscriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siaga.core.testing import api_client_for, login
from siaga.digests.actions import build_digest
from siaga.digests.models import DigestSubscription
from siaga.digests.tests.conftest import NOW, make_contact, make_event, make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def digests(personas):
    orgs = personas.orgs
    make_event(orgs.hospital, NOW - timedelta(hours=1), source_fqdn="+cmd|' /C calc'!A0")
    make_event(orgs.other_hospital, NOW - timedelta(hours=1))
    mine = build_digest(make_subscription(orgs.hospital, None), NOW)
    theirs = build_digest(make_subscription(orgs.other_hospital, None), NOW)
    return mine, theirs


def test_a_hospital_sees_only_its_digests(client, personas, digests):
    mine, theirs = digests
    login(client, personas.constituent_reporter)
    page = client.get("/digests/")
    assert page.status_code == 200
    assert mine.ticket in page.text and theirs.ticket not in page.text
    assert client.get(f"/digests/{mine.pk}/").status_code == 200
    assert client.get(f"/digests/{theirs.pk}/").status_code == 404
    assert client.get(f"/digests/{theirs.pk}/csv/").status_code == 404


def test_the_detail_shows_advice_in_the_viewers_language(client, personas, digests):
    mine, _theirs = digests
    login(client, personas.cert_analyst)
    page = client.get(f"/digests/{mine.pk}/")
    assert "Remote Desktop (RDP) reachable from the internet" in page.text
    client.cookies["siaga_language"] = "id"
    page = client.get(f"/digests/{mine.pk}/")
    assert "Remote Desktop (RDP) terbuka ke internet" in page.text


def test_the_csv_download_is_neutralised(client, personas, digests):
    mine, _theirs = digests
    login(client, personas.cert_analyst)
    response = client.get(f"/digests/{mine.pk}/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert "'+cmd|' /C calc'!A0" in text


def test_api_lists_and_reads_digests_within_scope(personas, digests):
    mine, theirs = digests
    api = api_client_for(personas.constituent_admin)
    listed = api.get("/api/v1/digests").json()
    assert [row["ticket"] for row in listed["results"]] == [mine.ticket]
    assert api.get(f"/api/v1/digests/{mine.pk}").json()["event_count"] == 1
    assert api.get(f"/api/v1/digests/{theirs.pk}").status_code == 404
    csv_answer = api.get(f"/api/v1/digests/{mine.pk}/csv")
    assert csv_answer.status_code == 200 and csv_answer["Content-Type"].startswith("text/csv")
    cert = api_client_for(personas.cert_analyst).get("/api/v1/digests").json()
    assert {row["ticket"] for row in cert["results"]} == {mine.ticket, theirs.ticket}


def test_a_constituent_admin_manages_its_own_subscriptions_by_api(personas):
    orgs = personas.orgs
    contact = make_contact(orgs.hospital, "en")
    other_contact = make_contact(orgs.other_hospital, email="x@other.test")
    api = api_client_for(personas.constituent_admin)
    created = api.post(
        "/api/v1/digest-subscriptions",
        {
            "organization": orgs.hospital.pk,
            "contact": contact.pk,
            "frequency": "weekly",
            "classification_types": ["ddos-amplifier"],
            "min_severity": 2,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["frequency"] == "weekly" and body["contact_id"] == contact.pk
    changed = api.patch(
        f"/api/v1/digest-subscriptions/{body['id']}",
        {"is_active": False},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    # Another hospital's organization or contact is refused.
    refused = api.post(
        "/api/v1/digest-subscriptions",
        {"organization": orgs.other_hospital.pk, "format": "webhook_json"},
        content_type="application/json",
    )
    assert refused.status_code in (403, 422)
    foreign_contact = api.patch(
        f"/api/v1/digest-subscriptions/{body['id']}",
        {"contact": other_contact.pk},
        content_type="application/json",
    )
    assert foreign_contact.status_code == 422
    assert DigestSubscription.objects.get().contact_id == contact.pk
    # A reporter may not manage them.
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get("/api/v1/digest-subscriptions").json()["results"] == []
    denied = reporter.post(
        "/api/v1/digest-subscriptions",
        {"organization": orgs.hospital.pk, "format": "webhook_json"},
        content_type="application/json",
    )
    assert denied.status_code == 403


def test_an_email_subscription_needs_a_contact_with_an_address(personas):
    api = api_client_for(personas.cert_admin)
    answer = api.post(
        "/api/v1/digest-subscriptions",
        {"organization": personas.orgs.hospital.pk, "format": "email_csv"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert "contact" in answer.text


def test_subscription_pages_for_the_hospital_admin(client, personas):
    contact = make_contact(personas.orgs.hospital)
    login(client, personas.constituent_admin)
    assert client.get("/digests/subscriptions/").status_code == 200
    response = client.post(
        "/digests/subscriptions/new/",
        {
            "organization": personas.orgs.hospital.pk,
            "contact": contact.pk,
            "frequency": "daily",
            "min_severity": 1,
            "format": "email_csv",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    subscription = DigestSubscription.objects.get()
    assert subscription.organization == personas.orgs.hospital
    assert client.get(f"/digests/subscriptions/{subscription.pk}/").status_code == 200
    login(client, personas.constituent_reporter)
    assert client.get("/digests/subscriptions/new/").status_code == 403
    assert client.get(f"/digests/subscriptions/{subscription.pk}/").status_code == 404
