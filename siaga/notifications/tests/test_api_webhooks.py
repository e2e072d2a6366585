"""/api/v1/webhooks: list, create (secret shown once), read, change, delete, rotate the secret."""

from __future__ import annotations

import pytest

from siaga.core.testing import api_client_for
from siaga.notifications.models import Webhook
from siaga.notifications.tests.conftest import make_webhook

pytestmark = pytest.mark.django_db
REFUSED = [
    "cert_lead",
    "cert_analyst",
    "coord_member",
    "constituent_reporter",
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


def post(user, data):
    return api_client_for(user).post("/api/v1/webhooks", data, content_type="application/json")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", {"Hospital SIEM", "Other SIEM"}),
        ("constituent_admin", {"Hospital SIEM"}),
        *[(name, set()) for name in REFUSED],
    ],
)
def test_the_list_holds_the_webhooks_each_persona_manages(personas, hooks, persona, expected):
    response = api_client_for(personas.by_name(persona)).get("/api/v1/webhooks")
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == expected
    assert all("secret" not in row for row in response.json()["results"])


def test_create_answers_with_the_secret_once(personas):
    data = {
        "organization": personas.orgs.hospital.pk,
        "name": "SOC",
        "url": "https://soc.hospital.test/",
        "event_kinds": ["sla_breach"],
    }
    response = post(personas.constituent_admin, data)
    assert response.status_code == 201, response.content
    body = response.json()
    webhook = Webhook.objects.get(pk=body["id"])
    assert body["secret"] == webhook.plain_secret
    assert body["organization"]["name"] == "Test Hospital"
    assert body["created_by"]["email"] == "admin@hospital.test"
    again = api_client_for(personas.constituent_admin).get(f"/api/v1/webhooks/{webhook.pk}").json()
    assert "secret" not in again


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "http://soc.hospital.test/"}, "url"),
        ({"url": "https://a:b@soc.hospital.test/"}, "url"),
        ({"event_kinds": ["nonsense"]}, "event_kinds"),
        ({"event_kinds": []}, "event_kinds"),
        ({"organization": 999999}, "organization"),
        ({"secret": "mine"}, "secret"),
    ],
)
def test_invalid_input_is_a_422_naming_the_field(personas, data, field):
    base = {
        "organization": personas.orgs.hospital.pk,
        "name": "SOC",
        "url": "https://soc.hospital.test/",
        "event_kinds": ["sla_breach"],
    }
    response = post(personas.cert_admin, {**base, **data})
    assert response.status_code == 422, response.content
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not Webhook.objects.exists()


def test_a_constituent_admin_may_not_create_for_another_organization(personas):
    data = {
        "organization": personas.orgs.other_hospital.pk,
        "name": "X",
        "url": "https://x.test/",
        "event_kinds": ["sla_breach"],
    }
    assert post(personas.constituent_admin, data).status_code == 422  # not even visible to them
    data["organization"] = personas.orgs.hospital.pk
    assert post(personas.constituent_reporter, data).status_code == 403
    assert not Webhook.objects.exists()


def test_patch_delete_and_rotate(personas, hooks):
    hospital, other = hooks
    client = api_client_for(personas.constituent_admin)
    response = client.patch(
        f"/api/v1/webhooks/{hospital.pk}", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["url"] == "https://siem.hospital.test/h"
    bad = client.patch(
        f"/api/v1/webhooks/{hospital.pk}",
        {"url": "http://evil.test/"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    old = hospital.plain_secret
    rotated = client.post(f"/api/v1/webhooks/{hospital.pk}/rotate-secret")
    assert rotated.status_code == 200
    hospital.refresh_from_db()
    assert rotated.json()["secret"] == hospital.plain_secret != old
    for method in ("get", "patch", "delete"):
        assert (
            getattr(client, method)(
                f"/api/v1/webhooks/{other.pk}", {}, content_type="application/json"
            ).status_code
            == 404
        )
    assert client.post(f"/api/v1/webhooks/{other.pk}/rotate-secret").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hospital.pk}").status_code == 204
    assert list(Webhook.objects.all()) == [other]


@pytest.mark.parametrize("persona", REFUSED)
def test_others_get_404_for_each_webhook(personas, hooks, persona):
    hospital, _other = hooks
    client = api_client_for(personas.by_name(persona))
    assert client.get(f"/api/v1/webhooks/{hospital.pk}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hospital.pk}").status_code == 404
    assert Webhook.objects.filter(pk=hospital.pk).exists()
