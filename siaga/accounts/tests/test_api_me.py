"""GET and PATCH /api/v1/me: your profile, memberships and preferences."""

import pytest

from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db


def patch_me(client, data):
    return client.patch("/api/v1/me", data, content_type="application/json")


def test_me_shows_the_profile_and_memberships_with_organization_and_role(personas):
    body = api_client_for(personas.constituent_admin).get("/api/v1/me").json()
    assert body["email"] == "admin@hospital.test"
    assert body["language"] == "id"
    assert body["time_zone"] == "Asia/Jakarta"
    [membership] = body["memberships"]
    assert membership["role"] == "constituent_admin"
    assert membership["role_label"]
    assert membership["organization"] == {
        "id": personas.orgs.hospital.pk,
        "name": "Test Hospital",
        "short_name": "",
        "kind": "constituent",
    }


def test_an_outsider_has_no_memberships(personas):
    assert api_client_for(personas.outsider).get("/api/v1/me").json()["memberships"] == []


def test_me_changes_only_the_fields_sent(personas):
    client = api_client_for(personas.cert_analyst)
    response = patch_me(client, {"language": "en", "time_zone": "Asia/Makassar"})
    assert response.status_code == 200
    personas.cert_analyst.refresh_from_db()
    assert (personas.cert_analyst.language, personas.cert_analyst.time_zone) == (
        "en",
        "Asia/Makassar",
    )
    assert personas.cert_analyst.full_name == "Analyst"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"time_zone": "Europe/Paris"}, "time_zone"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": None}, "full_name"),
        ({"email": "new@cert.test"}, "email"),  # the address is the login name: not self-service
        ({"is_superuser": True}, "is_superuser"),
    ],
)
def test_me_refuses_bad_or_forbidden_fields(personas, data, field):
    response = patch_me(api_client_for(personas.cert_analyst), data)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    personas.cert_analyst.refresh_from_db()
    assert personas.cert_analyst.email == "analyst@cert.test"
    assert not personas.cert_analyst.is_superuser
