"""Webhook deliveries against a real HTTP server on 127.0.0.1: signature, retries, redirects."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from siaga.notifications.actions import do_notify_webhooks, send_delivery
from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.models import Delivery
from siaga.notifications.signing import verify_signature
from siaga.notifications.tasks import deliver_due_notifications
from siaga.notifications.tests.conftest import make_webhook

pytestmark = pytest.mark.django_db

PAYLOAD = {"incident": {"id": 45, "reference": "SIAGA-INC-2026-000045"}}


def notify(organization):
    return do_notify_webhooks(
        "incident_assigned", organization, PAYLOAD, object_type="incidents.incident", object_id=45
    )


def make_due(delivery: Delivery) -> None:
    """Let the back-off pass, as if the clock had moved on."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_signed_json_post_with_the_documented_headers(
    personas, receiver, send_inline, django_capture_on_commit_callbacks
):
    _webhook, secret = make_webhook(personas.orgs.hospital, receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = notify(personas.orgs.hospital)
    (request,) = receiver.requests
    assert request.path == "/hook"
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Siaga-Webhook/1"
    assert headers["x-siaga-event"] == "incident_assigned"
    delivery.refresh_from_db()
    assert headers["x-siaga-delivery"] == str(delivery.uuid)
    assert verify_signature(secret, headers["x-siaga-signature"], request.body)
    assert not verify_signature("whsec_wrong", headers["x-siaga-signature"], request.body)
    assert not verify_signature(secret, headers["x-siaga-signature"], request.body + b" ")
    document = json.loads(request.body)
    assert document == {
        "id": str(delivery.uuid),
        "event": "incident_assigned",
        "created_at": delivery.created_at.isoformat(),
        "data": PAYLOAD,
    }
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.response_status == 200
    assert delivery.attempts == 1
    assert delivery.channel == DeliveryChannel.WEBHOOK


def test_only_active_webhooks_of_the_organization_subscribed_to_the_kind(personas, receiver):
    make_webhook(personas.orgs.hospital, receiver.url("/subscribed"))
    make_webhook(personas.orgs.hospital, receiver.url("/other-kind"), ["sla_breach"])
    make_webhook(personas.orgs.hospital, receiver.url("/inactive"), is_active=False)
    make_webhook(personas.orgs.other_hospital, receiver.url("/other-org"))
    make_webhook(personas.orgs.cert, receiver.url("/cert-wide"))
    addresses = {delivery.address for delivery in notify(personas.orgs.hospital)}
    assert addresses == {receiver.url("/subscribed"), receiver.url("/cert-wide")}


def test_a_500_is_retried_with_back_off_then_succeeds(personas, receiver, settings):
    settings.SIAGA_WEBHOOK_BACKOFF_SECONDS = 30
    make_webhook(personas.orgs.hospital, receiver.url())
    receiver.statuses = [500, 503]
    (delivery,) = notify(personas.orgs.hospital)

    before = timezone.now()
    first = send_delivery(delivery.pk)
    assert first.status == DeliveryStatus.FAILED
    assert first.response_status == 500
    assert first.last_error == "HTTP 500"
    assert before + timedelta(seconds=30) <= first.next_attempt_at
    assert first.next_attempt_at <= timezone.now() + timedelta(seconds=33)  # 10 % jitter at most

    # Not due yet: neither a worker nor the beat task sends it again.
    assert send_delivery(delivery.pk) is None
    deliver_due_notifications()
    assert len(receiver.requests) == 1

    make_due(delivery)
    before = timezone.now()
    second = send_delivery(delivery.pk)
    assert second.status == DeliveryStatus.FAILED
    assert before + timedelta(seconds=60) <= second.next_attempt_at  # doubled
    assert second.next_attempt_at <= timezone.now() + timedelta(seconds=66)

    make_due(delivery)
    deliver_due_notifications()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert delivery.response_status == 200
    assert delivery.sent_at is not None
    assert len(receiver.requests) == 3
    # The same document every time, so a receiver can deduplicate on its id.
    assert len({request.body for request in receiver.requests}) == 1


def test_gives_up_after_the_last_attempt(personas, receiver, settings):
    settings.SIAGA_WEBHOOK_MAX_ATTEMPTS = 3
    make_webhook(personas.orgs.hospital, receiver.url())
    receiver.statuses = [500] * 10
    (delivery,) = notify(personas.orgs.hospital)
    for _attempt in range(3):
        make_due(delivery)
        send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    assert delivery.last_error == "HTTP 500"
    make_due(delivery)
    assert send_delivery(delivery.pk) is None
    assert len(receiver.requests) == 3


def test_a_redirect_is_not_followed(personas, receiver):
    make_webhook(personas.orgs.hospital, receiver.url())
    receiver.statuses = [302]
    (delivery,) = notify(personas.orgs.hospital)
    result = send_delivery(delivery.pk)
    assert [request.path for request in receiver.requests] == ["/hook"]
    assert result.status == DeliveryStatus.FAILED
    assert result.response_status == 302
    assert "redirect not followed" in result.last_error


def test_a_network_error_is_recorded_and_retried(personas):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_webhook(personas.orgs.hospital, f"http://127.0.0.1:{port}/hook")
    (delivery,) = notify(personas.orgs.hospital)
    result = send_delivery(delivery.pk)
    assert result.status == DeliveryStatus.FAILED
    assert result.response_status is None
    assert result.last_error.startswith("ConnectionError")
    assert result.next_attempt_at > timezone.now()


def test_a_deleted_webhook_gives_up_at_once(personas, receiver):
    webhook, _secret = make_webhook(personas.orgs.hospital, receiver.url())
    (delivery,) = notify(personas.orgs.hospital)
    webhook.delete()
    result = send_delivery(delivery.pk)
    assert result.status == DeliveryStatus.GAVE_UP
    assert receiver.requests == []


def test_a_rotated_secret_signs_the_next_attempt(personas, receiver):
    from siaga.notifications.actions import check_rotate_secret

    webhook, old = make_webhook(personas.orgs.hospital, receiver.url())
    (delivery,) = notify(personas.orgs.hospital)
    new = check_rotate_secret(personas.cert_admin, webhook)
    send_delivery(delivery.pk)
    signature = receiver.requests[0].headers["X-Siaga-Signature"]
    assert verify_signature(new, signature, receiver.requests[0].body)
    assert not verify_signature(old, signature, receiver.requests[0].body)


def test_an_event_about_several_organizations_reaches_each_webhook_once(personas):
    orgs = personas.orgs
    cert_hook, _ = make_webhook(orgs.cert, "https://soc.cert.example/hook", ["comment_shared"])
    hospital_hook, _ = make_webhook(orgs.hospital, "https://h.example/hook", ["comment_shared"])
    other_hook, _ = make_webhook(orgs.other_hospital, "https://o.example/hook", ["comment_shared"])
    deliveries = do_notify_webhooks(
        "comment_shared", [orgs.hospital, orgs.other_hospital], {"reference": "X"}
    )
    assert sorted(d.webhook_id for d in deliveries) == sorted(
        [cert_hook.pk, hospital_hook.pk, other_hook.pk]
    )
