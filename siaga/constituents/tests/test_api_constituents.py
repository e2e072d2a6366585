"""/api/v1/constituents and profiles: scope, filters, embedded profile, changes by persona."""

import pytest

from siaga.constituents.models import ConstituentProfile
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_analyst", {"Test Hospital", "Other Hospital"}),
        ("coord_member", {"Test Hospital", "Other Hospital"}),
        ("constituent_admin", {"Test Hospital"}),
        ("outsider", set()),
    ],
)
def test_list_is_scoped(personas, persona, expected):
    assert names(api_client_for(personas.by_name(persona)).get("/api/v1/constituents")) == expected


def test_list_filters_and_profile_embedding(personas, django_assert_max_num_queries):
    ConstituentProfile.objects.create(
        organization=personas.orgs.hospital, province="31", is_vital_infrastructure=True
    )
    client = api_client_for(personas.cert_admin)
    assert names(client.get("/api/v1/constituents?province=31")) == {"Test Hospital"}
    assert names(client.get("/api/v1/constituents?is_vital_infrastructure=true")) == {
        "Test Hospital"
    }
    assert names(client.get("/api/v1/constituents?q=other")) == {"Other Hospital"}
    assert client.get("/api/v1/constituents?province=99").status_code == 422
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/constituents").json()["results"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["Test Hospital"]["profile"]["province_name"] == "DKI Jakarta"
    assert by_name["Other Hospital"]["profile"] is None


def test_get_one_and_404_outside_scope(personas):
    hospital = personas.orgs.hospital
    body = (
        api_client_for(personas.constituent_reporter)
        .get(f"/api/v1/constituents/{hospital.pk}")
        .json()
    )
    assert body["constituent_type"] == "hospital"
    response = api_client_for(personas.other_reporter).get(f"/api/v1/constituents/{hospital.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_patch_profile_creates_it_and_validates(personas):
    hospital = personas.orgs.hospital
    client = api_client_for(personas.constituent_admin)
    url = f"/api/v1/constituents/{hospital.pk}/profile"
    response = client.patch(
        url, {"province": "31", "health_records_estimate": 5000}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["profile"]["province"] == "31"
    assert ConstituentProfile.objects.get(organization=hospital).health_records_estimate == 5000
    response = client.patch(
        url, {"province": None, "city": "Depok"}, content_type="application/json"
    )
    assert response.json()["profile"]["province"] is None
    assert response.json()["profile"]["health_records_estimate"] == 5000
    bad = client.patch(url, {"province": "99", "colour": "red"}, content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"province", "colour"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("constituent_reporter", 403), ("coord_member", 403), ("other_reporter", 404)],
)
def test_patch_profile_refused(personas, persona, status):
    url = f"/api/v1/constituents/{personas.orgs.hospital.pk}/profile"
    response = api_client_for(personas.by_name(persona)).patch(
        url, {"city": "X"}, content_type="application/json"
    )
    assert response.status_code == status
