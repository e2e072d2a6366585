"""/api/v1/organizations: list with filters, create, read and change, each with and without permission."""

import pytest

from siaga.core.testing import api_client_for
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db

HOSPITAL_NAMES = {"Test Hospital", "Other Hospital"}


def names(response):
    assert response.status_code == 200, response.content
    return {org["name"] for org in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_analyst", {"Test CERT", "Test Agency", *HOSPITAL_NAMES}),
        ("coord_member", {"Test CERT", "Test Agency", *HOSPITAL_NAMES}),
        ("constituent_admin", {"Test Hospital"}),
        ("other_reporter", {"Other Hospital"}),
        ("outsider", set()),
    ],
)
def test_the_list_holds_the_organizations_each_persona_may_see(personas, persona, expected):
    assert names(api_client_for(personas.by_name(persona)).get("/api/v1/organizations")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=constituent", {*HOSPITAL_NAMES, "Closed Clinic"}),
        ("constituent_type=hospital", HOSPITAL_NAMES),
        ("q=other", {"Other Hospital"}),
        ("is_active=false", {"Closed Clinic"}),
        ("kind=constituent&is_active=true&q=test", {"Test Hospital"}),
    ],
)
def test_the_list_filters(personas, query, expected):
    Organization.objects.create(
        name="Closed Clinic", kind="constituent", constituent_type="clinic", is_active=False
    )
    assert (
        names(api_client_for(personas.cert_admin).get(f"/api/v1/organizations?{query}")) == expected
    )


def test_the_list_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    client = api_client_for(personas.cert_admin)
    for number in range(20):
        Organization.objects.create(name=f"Agency {number}", kind="member_agency")
    # token, token use, memberships (principal), count, page
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/organizations?limit=100").json()["count"] == 24


def test_an_administrator_creates_an_organization(personas):
    data = {
        "name": "RS Harapan",
        "short_name": "RSH",
        "kind": "constituent",
        "constituent_type": "hospital",
        "email": "csirt@rsh.test",
    }
    response = api_client_for(personas.cert_admin).post(
        "/api/v1/organizations", data, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["constituent_type"] == "hospital"
    assert body["is_active"] is True
    assert Organization.objects.get(pk=body["id"]).name == "RS Harapan"


def test_a_duplicate_name_is_422(personas):
    data = {"name": "Test CERT", "kind": "cert"}
    response = api_client_for(personas.cert_admin).post(
        "/api/v1/organizations", data, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("persona", ["cert_analyst", "constituent_admin", "outsider"])
def test_others_may_not_create_organizations(personas, persona):
    data = {"name": "Rogue", "kind": "cert"}
    response = api_client_for(personas.by_name(persona)).post(
        "/api/v1/organizations", data, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Rogue").exists()


def test_detail_of_a_visible_organization(personas):
    body = (
        api_client_for(personas.constituent_reporter)
        .get(f"/api/v1/organizations/{personas.orgs.hospital.pk}")
        .json()
    )
    assert body["name"] == "Test Hospital"
    assert body["kind"] == "constituent"


def test_detail_of_an_invisible_organization_is_404(personas):
    response = api_client_for(personas.constituent_reporter).get(
        f"/api/v1/organizations/{personas.orgs.other_hospital.pk}"
    )
    assert response.status_code == 404


def test_an_administrator_changes_any_field(personas):
    url = f"/api/v1/organizations/{personas.orgs.other_hospital.pk}"
    response = api_client_for(personas.cert_admin).patch(
        url, {"name": "RS Lain", "is_active": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "RS Lain"
    personas.orgs.other_hospital.refresh_from_db()
    assert not personas.orgs.other_hospital.is_active


def test_a_constituent_admin_changes_only_self_service_fields(personas):
    client = api_client_for(personas.constituent_admin)
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}"
    assert (
        client.patch(
            url, {"website": "https://rs.test"}, content_type="application/json"
        ).status_code
        == 200
    )
    response = client.patch(url, {"name": "Renamed"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


def test_a_reporter_may_not_change_their_organization(personas):
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}"
    response = api_client_for(personas.constituent_reporter).patch(
        url, {"website": "https://x.test"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_changing_an_invisible_organization_is_404(personas):
    url = f"/api/v1/organizations/{personas.orgs.other_hospital.pk}"
    response = api_client_for(personas.constituent_admin).patch(
        url, {"website": "https://x.test"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_clearing_the_constituent_type_of_a_hospital_is_422(personas):
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}"
    response = api_client_for(personas.cert_admin).patch(
        url, {"constituent_type": None}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "constituent_type"
