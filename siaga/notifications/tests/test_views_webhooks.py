"""Webhook pages: constituent admins for their organization, CERT admins for any."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.notifications.choices import DeliveryStatus
from siaga.notifications.models import Delivery, Webhook
from siaga.notifications.signing import verify_signature
from siaga.notifications.tests.conftest import make_webhook

REFUSED = [
    "cert_lead",
    "cert_analyst",
    "coord_member",
    "constituent_reporter",
    "other_reporter",
    "auditor",
    "outsider",
]


@pytest.fixture
def hooks(personas):
    hospital, _ = make_webhook(
        personas.orgs.hospital, "https://siem.hospital.test/h", name="Hospital SIEM"
    )
    other, _ = make_webhook(
        personas.orgs.other_hospital, "https://siem.other.test/h", name="Other SIEM"
    )
    return hospital, other


def listed(client):
    response = client.get(reverse("notifications:webhook-list"))
    assert response.status_code == 200
    return {webhook.name for webhook in response.context["page"].object_list}


def test_cert_admin_sees_all_and_constituent_admin_its_own(client, personas, hooks):
    login(client, personas.cert_admin)
    assert listed(client) == {"Hospital SIEM", "Other SIEM"}
    login(client, personas.constituent_admin)
    assert listed(client) == {"Hospital SIEM"}


@pytest.mark.parametrize("persona", REFUSED)
def test_others_are_refused(client, personas, hooks, persona):
    login(client, personas.by_name(persona))
    hospital, _other = hooks
    assert client.get(reverse("notifications:webhook-list")).status_code == 403
    assert client.get(reverse("notifications:webhook-create")).status_code == 403
    assert client.get(reverse("notifications:webhook-edit", args=[hospital.pk])).status_code == 404
    for name in ("webhook-delete", "webhook-test", "webhook-rotate-secret"):
        assert client.post(reverse(f"notifications:{name}", args=[hospital.pk])).status_code == 404
    assert Webhook.objects.filter(pk=hospital.pk).exists()


def test_creating_shows_the_secret_once(client, personas):
    login(client, personas.constituent_admin)
    data = {
        "organization": personas.orgs.hospital.pk,
        "name": "SOC",
        "url": "https://soc.hospital.test/siaga",
        "event_kinds": ["incident_assigned", "sla_breach"],
        "is_active": "on",
    }
    response = client.post(reverse("notifications:webhook-create"), data, follow=True)
    webhook = Webhook.objects.get(name="SOC")
    secret = response.context["new_secret"]["secret"]
    assert secret in response.content.decode()
    assert webhook.plain_secret == secret
    assert secret not in webhook.secret  # stored sealed
    assert webhook.created_by == personas.constituent_admin
    assert webhook.event_kinds == ["incident_assigned", "sla_breach"]
    assert secret not in client.get(reverse("notifications:webhook-list")).content.decode()


def test_the_secret_stays_out_of_the_audit_trail(client, personas):
    from siaga.audit.models import AuditEntry

    login(client, personas.cert_admin)
    data = {
        "organization": personas.orgs.cert.pk,
        "name": "CERT bus",
        "url": "https://bus.cert.test/",
        "event_kinds": ["report_received"],
    }
    client.post(reverse("notifications:webhook-create"), data)
    webhook = Webhook.objects.get(name="CERT bus")
    entry = AuditEntry.objects.get(object_type="notifications.webhook", object_id=str(webhook.pk))
    assert "secret" not in entry.changes["new"]
    assert entry.changes["new"]["url"] == "https://bus.cert.test/"


def test_a_constituent_admin_cannot_create_for_another_organization(client, personas):
    login(client, personas.constituent_admin)
    data = {
        "organization": personas.orgs.other_hospital.pk,
        "name": "X",
        "url": "https://x.test/",
        "event_kinds": ["sla_breach"],
    }
    response = client.post(reverse("notifications:webhook-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("url", "field_error"),
    [
        ("http://siem.hospital.test/h", "Webhooks must use https://."),
        ("https://u:p@siem.test/", "Put no user name or password"),
    ],
)
def test_bad_addresses_are_field_errors(client, personas, url, field_error):
    login(client, personas.constituent_admin)
    data = {
        "organization": personas.orgs.hospital.pk,
        "name": "X",
        "url": url,
        "event_kinds": ["sla_breach"],
    }
    response = client.post(reverse("notifications:webhook-create"), data)
    assert response.status_code == 200
    assert field_error in " ".join(response.context["form"].errors["url"])
    assert not Webhook.objects.exists()


def test_edit_delete_and_rotate(client, personas, hooks):
    hospital, other = hooks
    login(client, personas.constituent_admin)
    data = {"name": "Renamed", "url": "https://new.hospital.test/h", "event_kinds": ["sla_warning"]}
    response = client.post(reverse("notifications:webhook-edit", args=[hospital.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    hospital.refresh_from_db()
    assert (hospital.name, hospital.url, hospital.event_kinds, hospital.is_active) == (
        "Renamed",
        "https://new.hospital.test/h",
        ["sla_warning"],
        False,
    )
    old = hospital.plain_secret
    response = client.post(
        reverse("notifications:webhook-rotate-secret", args=[hospital.pk]), follow=True
    )
    hospital.refresh_from_db()
    assert hospital.plain_secret != old
    assert response.context["new_secret"]["secret"] == hospital.plain_secret
    assert client.get(reverse("notifications:webhook-edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("notifications:webhook-delete", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("notifications:webhook-delete", args=[hospital.pk])).status_code == 302
    )
    assert list(Webhook.objects.all()) == [other]


def test_the_test_button_sends_a_signed_ping(
    client, personas, receiver, send_inline, django_capture_on_commit_callbacks
):
    webhook, secret = make_webhook(personas.orgs.hospital, receiver.url(), ["sla_breach"])
    login(client, personas.constituent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:webhook-test", args=[webhook.pk]))
    delivery = Delivery.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:delivery-detail", args=[delivery.pk])
    assert delivery.event_kind == "ping"
    assert delivery.status == DeliveryStatus.SENT
    (request,) = receiver.requests
    assert request.headers["X-Siaga-Event"] == "ping"
    assert verify_signature(secret, request.headers["X-Siaga-Signature"], request.body)
