"""The delivery log: CERT staff and auditors see all, constituent admins their organization's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.notifications.actions import do_notify, do_notify_webhooks
from siaga.notifications.models import Delivery
from siaga.notifications.tests.conftest import make_webhook

ALL = {"hospital-hook", "other-hook", "lead@cert.test"}


@pytest.fixture
def log(personas):
    make_webhook(personas.orgs.hospital, "https://hospital.test/hook", ["sla_breach"])
    make_webhook(personas.orgs.other_hospital, "https://other.test/hook", ["sla_breach"])
    do_notify_webhooks("sla_breach", personas.orgs.hospital, {"n": 1})
    do_notify_webhooks("sla_breach", personas.orgs.other_hospital, {"n": 2})
    do_notify("sla_breach", recipients=[personas.cert_lead], context={"reference": "R-1"})


def short(address: str) -> str:
    return {
        "https://hospital.test/hook": "hospital-hook",
        "https://other.test/hook": "other-hook",
    }.get(address, address)


def listed(client, **params):
    response = client.get(reverse("notifications:delivery-list"), params)
    assert response.status_code == 200
    return {short(d.address) for d in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", ALL),
        ("cert_lead", ALL),
        ("cert_analyst", ALL),
        ("auditor", ALL),
        ("constituent_admin", {"hospital-hook"}),
    ],
)
def test_each_persona_sees_its_scope(client, personas, log, persona, expected):
    login(client, personas.by_name(persona))
    assert listed(client) == expected


@pytest.mark.parametrize(
    "persona", ["coord_member", "constituent_reporter", "other_reporter", "outsider"]
)
def test_others_are_refused(client, personas, log, persona):
    login(client, personas.by_name(persona))
    assert client.get(reverse("notifications:delivery-list")).status_code == 403
    delivery = Delivery.objects.first()
    assert (
        client.get(reverse("notifications:delivery-detail", args=[delivery.pk])).status_code == 404
    )


def test_filters(client, personas, log):
    login(client, personas.cert_analyst)
    assert listed(client, channel="email") == {"lead@cert.test"}
    assert listed(client, channel="webhook") == {"hospital-hook", "other-hook"}
    assert listed(client, status="sent") == set()
    assert listed(client, status="pending") == ALL
    assert listed(client, event_kind="ping") == set()
    response = client.get(reverse("notifications:delivery-list"), {"status": "bogus"})
    assert response.context["filters"].errors["status"]


def test_detail_shows_what_was_sent_and_is_audited(client, personas, log):
    delivery = Delivery.objects.get(address="lead@cert.test")
    login(client, personas.auditor)
    response = client.get(reverse("notifications:delivery-detail", args=[delivery.pk]))
    assert response.status_code == 200
    assert delivery.subject in response.content.decode()
    assert AuditEntry.objects.filter(
        action="view", object_type="notifications.delivery", object_id=str(delivery.pk)
    ).exists()


def test_a_constituent_admin_cannot_open_another_organizations_delivery(client, personas, log):
    delivery = Delivery.objects.get(address="https://other.test/hook")
    login(client, personas.constituent_admin)
    assert (
        client.get(reverse("notifications:delivery-detail", args=[delivery.pk])).status_code == 404
    )


def test_the_list_takes_a_constant_number_of_queries(
    client, personas, log, django_assert_max_num_queries
):
    login(client, personas.cert_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:delivery-list"))
    for number in range(30):
        do_notify_webhooks("sla_breach", personas.orgs.hospital, {"n": number})
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("notifications:delivery-list"))
    assert len(response.context["page"].object_list) == 25
