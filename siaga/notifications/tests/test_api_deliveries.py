"""/api/v1/deliveries: the delivery log, scoped like the page, filtered, in constant queries."""

from __future__ import annotations

import pytest

from siaga.core.testing import api_client_for
from siaga.notifications.actions import do_notify, do_notify_webhooks
from siaga.notifications.models import Delivery
from siaga.notifications.tests.conftest import make_webhook

pytestmark = pytest.mark.django_db
ALL = {"https://hospital.test/hook", "https://other.test/hook", "lead@cert.test"}


@pytest.fixture
def log(personas):
    make_webhook(personas.orgs.hospital, "https://hospital.test/hook", ["sla_breach"])
    make_webhook(personas.orgs.other_hospital, "https://other.test/hook", ["sla_breach"])
    do_notify_webhooks("sla_breach", personas.orgs.hospital, {"n": 1})
    do_notify_webhooks("sla_breach", personas.orgs.other_hospital, {"n": 2})
    do_notify("sla_breach", recipients=[personas.cert_lead], context={"reference": "R-1"})


def addresses(response):
    assert response.status_code == 200, response.content
    return {row["address"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", ALL),
        ("cert_analyst", ALL),
        ("auditor", ALL),
        ("constituent_admin", {"https://hospital.test/hook"}),
        ("constituent_reporter", set()),
        ("coord_member", set()),
        ("outsider", set()),
    ],
)
def test_each_persona_sees_its_scope(personas, log, persona, expected):
    assert (
        addresses(api_client_for(personas.by_name(persona)).get("/api/v1/deliveries")) == expected
    )


def test_filters_and_detail(personas, log):
    client = api_client_for(personas.cert_lead)
    assert addresses(client.get("/api/v1/deliveries?channel=email")) == {"lead@cert.test"}
    assert addresses(client.get("/api/v1/deliveries?status=sent")) == set()
    assert client.get("/api/v1/deliveries?status=bogus").status_code == 422
    email = Delivery.objects.get(channel="email")
    body = client.get(f"/api/v1/deliveries/{email.pk}").json()
    assert body["subject"] == email.subject
    assert body["uuid"] == str(email.uuid)
    assert body["recipient"]["email"] == "lead@cert.test"


def test_a_delivery_outside_the_scope_is_404(personas, log):
    other = Delivery.objects.get(address="https://other.test/hook")
    assert (
        api_client_for(personas.constituent_admin).get(f"/api/v1/deliveries/{other.pk}").status_code
        == 404
    )


def test_the_list_takes_a_fixed_number_of_queries(personas, log, django_assert_max_num_queries):
    client = api_client_for(personas.cert_admin)
    for number in range(20):
        do_notify_webhooks("sla_breach", personas.orgs.hospital, {"n": number})
    # token, token use, principal, audit count, audit entry (head lock, insert, head save), count, page
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/deliveries?limit=100").json()["count"] == 23
