"""The risks API: list (filters), read, create, change, review; refused callers get problem
documents (404 outside their scope, 403 without the permission, 422 naming the field)."""

from __future__ import annotations

import json

import pytest

from siaga.core.testing import api_client_for
from siaga.risks.models import Risk
from siaga.risks.tests.conftest import risk_data

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = risk_data(**overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    ("persona", "titles"),
    [
        ("cert_analyst", {"Unpatched medical devices", "Shared ward accounts"}),
        ("coord_member", {"Unpatched medical devices", "Shared ward accounts"}),
        ("constituent_reporter", {"Shared ward accounts"}),
        ("other_reporter", set()),
    ],
)
def test_the_list_shows_what_each_may_see(personas, sector_risk, hospital_risk, persona, titles):
    response = api_client_for(personas.by_name(persona)).get("/api/v1/risks")
    assert response.status_code == 200
    assert {row["title"] for row in response.json()["results"]} == titles


def test_the_outsider_is_refused(personas, sector_risk):
    response = api_client_for(personas.outsider).get("/api/v1/risks")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_list_filters(personas, sector_risk, hospital_risk):
    client = api_client_for(personas.cert_analyst)

    def titles(query):
        response = client.get(f"/api/v1/risks?{query}")
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles("sector=true") == ["Unpatched medical devices"]
    assert titles("sector=false") == ["Shared ward accounts"]
    assert titles(f"organization={personas.orgs.hospital.pk}") == ["Shared ward accounts"]
    assert len(titles("level=high")) == 2
    assert titles("level=low") == []
    assert titles("overdue=true") == []
    assert titles("q=ward") == ["Shared ward accounts"]
    refused = client.get("/api/v1/risks?level=dreadful")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "level"


def test_create_read_update_review(personas):
    client = api_client_for(personas.constituent_admin)
    created = post(
        client,
        "/api/v1/risks",
        body(organization=personas.orgs.hospital.pk, owner=personas.constituent_admin.pk),
    )
    assert created.status_code == 201, created.json()
    risk = created.json()
    assert (risk["inherent_score"], risk["residual_score"], risk["residual_level"]) == (
        20,
        12,
        "high",
    )
    assert [r["kind"] for r in risk["ratings"]] == ["inherent", "residual"]
    assert risk["organization"]["id"] == personas.orgs.hospital.pk
    url = f"/api/v1/risks/{risk['id']}"
    assert client.get(url).json()["title"] == risk["title"]

    no_reason = patch(client, url, {"residual_impact": 3})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [
        {"field": "rating_reason", "message": "Say why the rating changed."}
    ]
    changed = patch(client, url, {"residual_impact": 3, "rating_reason": "Badges", "owner": None})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["residual_score"] == 9
    assert changed.json()["owner"] is None
    assert len(changed.json()["ratings"]) == 3

    reviewed = post(client, f"{url}/reviews", {"notes": "Checked"})
    assert reviewed.status_code == 201
    assert reviewed.json()["reviews"][0]["notes"] == "Checked"
    assert reviewed.json()["reviews"][0]["reviewer_email"] == personas.constituent_admin.email


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inherent_likelihood": 6}, "inherent_likelihood"),  # within the schema, off the scale
        ({"inherent_likelihood": 11}, "inherent_likelihood"),
        ({"category": "weather"}, "category"),
        ({"title": ""}, "title"),
        ({"organization": 10**6}, "organization"),
        ({"owner": 10**6}, "owner"),
        ({"incidents": [10**6]}, "incidents"),
        ({"inventory_item": 10**6}, "inventory_item"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_and_saves_nothing(personas, changes, field):
    response = post(api_client_for(personas.cert_analyst), "/api/v1/risks", body(**changes))
    assert response.status_code == 422, response.json()
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not Risk.objects.exists()


@pytest.mark.parametrize(
    ("persona", "sector", "hospital"),
    [
        ("cert_lead", 200, 200),
        ("constituent_admin", 404, 200),
        ("constituent_reporter", 404, 403),
        ("coord_member", 403, 403),
        ("auditor", 403, 403),
        ("other_reporter", 404, 404),
    ],
)
def test_who_may_change_and_review(personas, sector_risk, hospital_risk, persona, sector, hospital):
    client = api_client_for(personas.by_name(persona))
    for risk, expected in ((sector_risk, sector), (hospital_risk, hospital)):
        url = f"/api/v1/risks/{risk.pk}"
        assert patch(client, url, {"asset": "Changed"}).status_code == expected
        review = post(client, f"{url}/reviews", {})
        assert review.status_code == (201 if expected == 200 else expected)


def test_creating_needs_the_permission(personas):
    response = post(
        api_client_for(personas.constituent_reporter),
        "/api/v1/risks",
        body(organization=personas.orgs.hospital.pk),
    )
    assert response.status_code == 403
    assert not Risk.objects.exists()
