"""Sending digests: e-mail in the contact's language with the CSV attached, signed webhook JSON,
and the run of due digests."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core import mail

from siaga.digests.actions import build_digest, do_run_due_digests, send_digest
from siaga.digests.choices import DigestStatus
from siaga.digests.models import Digest
from siaga.digests.tests.conftest import NOW, make_contact, make_event, make_subscription
from siaga.notifications.choices import DeliveryStatus
from siaga.notifications.models import Delivery
from siaga.notifications.signing import verify_signature
from siaga.notifications.tests.conftest import make_webhook

pytestmark = pytest.mark.django_db


def _send(subscription, capture):
    make_event(subscription.organization, NOW - timedelta(hours=1), source_ip="192.0.2.10")
    make_event(
        subscription.organization,
        NOW - timedelta(hours=2),
        classification_type="ddos-amplifier",
        classification_identifier="openresolver",
        source_ip="192.0.2.53",
        source_port=53,
    )
    with capture(execute=True):
        digest = build_digest(subscription, NOW)
        assert digest is not None
        deliveries = send_digest(digest)
    return digest, deliveries


@pytest.mark.parametrize(
    ("language", "subject_words", "advice"),
    [
        ("id", "Ringkasan temuan keamanan", "Remote Desktop (RDP) terbuka ke internet"),
        ("en", "Security findings digest", "Remote Desktop (RDP) reachable from the internet"),
    ],
)
def test_an_email_in_the_contacts_language_with_the_csv_attached(
    orgs, send_inline, django_capture_on_commit_callbacks, language, subject_words, advice
):
    contact = make_contact(orgs.hospital, language=language)
    digest, (delivery,) = _send(
        make_subscription(orgs.hospital, contact), django_capture_on_commit_callbacks
    )
    (message,) = mail.outbox
    assert message.to == ["budi@hospital.test"]
    assert digest.ticket in message.subject
    assert subject_words in message.subject
    assert advice in message.body
    assert "openresolver" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"{digest.ticket}.csv", "text/csv")
    text = content.decode() if isinstance(content, bytes) else content
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == [
        "time.observation",
        "classification.type",
        "classification.identifier",
        "source.ip",
    ]
    assert sorted(row[3] for row in rows[1:]) == ["192.0.2.10", "192.0.2.53"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.language == language
    digest.refresh_from_db()
    assert digest.delivery_ids == [delivery.pk]
    assert digest.status == DigestStatus.QUEUED


def test_the_indonesian_and_english_emails_are_different_texts(
    orgs, send_inline, django_capture_on_commit_callbacks
):
    _send(
        make_subscription(orgs.hospital, make_contact(orgs.hospital, "id")),
        django_capture_on_commit_callbacks,
    )
    other = make_contact(orgs.other_hospital, "en", email="it@other.test")
    _send(make_subscription(orgs.other_hospital, other), django_capture_on_commit_callbacks)
    indonesian, english = mail.outbox
    assert "Yth. Budi Santoso" in indonesian.body and "Dear Budi Santoso" in english.body
    assert "Yang perlu dilakukan" in indonesian.body and "What to do" in english.body


def test_a_signed_webhook_with_the_digest_as_json(
    orgs, receiver, send_inline, django_capture_on_commit_callbacks
):
    _webhook, secret = make_webhook(orgs.hospital, receiver.url(), kinds=["feed_digest"])
    make_webhook(orgs.hospital, receiver.url("/other"), kinds=["incident_assigned"], name="x")
    digest, (delivery,) = _send(
        make_subscription(orgs.hospital, None), django_capture_on_commit_callbacks
    )
    (request,) = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["x-siaga-event"] == "feed_digest"
    assert verify_signature(secret, headers["x-siaga-signature"], request.body)
    data = json.loads(request.body)["data"]
    assert data["ticket"] == digest.ticket
    assert data["event_count"] == 2
    assert data["period"]["end"].startswith("2026-03-10T06:00:00")
    assert {row["identifier"]: row["events"] for row in data["classifications"]} == {
        "accessible-rdp": 1,
        "openresolver": 1,
    }
    assert {event["source.ip"] for event in data["events"]} == {"192.0.2.10", "192.0.2.53"}
    assert all(event["feed.name"] == "Shadowserver" for event in data["events"])
    assert data["events_truncated"] is False
    assert not mail.outbox
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_the_webhook_carries_at_most_the_configured_events(orgs, settings):
    settings.SIAGA_DIGEST_WEBHOOK_MAX_EVENTS = 1
    make_webhook(orgs.hospital, "https://siem.hospital.test/hook", kinds=["feed_digest"])
    for hours in (1, 2, 3):
        make_event(orgs.hospital, NOW - timedelta(hours=hours))
    digest = build_digest(make_subscription(orgs.hospital, None), NOW)
    assert digest is not None
    (delivery,) = send_digest(digest)
    assert len(delivery.payload["events"]) == 1
    assert delivery.payload["events_truncated"] is True


def test_a_digest_without_a_receiver_says_so(orgs):
    make_event(orgs.hospital, NOW - timedelta(hours=1))
    digest = build_digest(make_subscription(orgs.hospital, None), NOW)
    assert digest is not None
    assert send_digest(digest) == []
    digest.refresh_from_db()
    assert digest.status == DigestStatus.NO_RECIPIENT


def test_the_run_sends_each_due_digest_once(orgs, django_capture_on_commit_callbacks):
    contact = make_contact(orgs.hospital)
    make_subscription(orgs.hospital, contact)
    make_event(orgs.hospital, NOW - timedelta(hours=1))
    with django_capture_on_commit_callbacks():
        result = do_run_due_digests(NOW)
    assert result["due"] == 1 and result["sent"] == 1 and result["failed"] == 0
    assert Delivery.objects.filter(event_kind="feed_digest").count() == 1
    # A second run at the same moment finds nothing due.
    assert do_run_due_digests(NOW)["due"] == 0
    assert Digest.objects.count() == 1
