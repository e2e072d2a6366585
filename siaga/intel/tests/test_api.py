"""/api/v1/indicators: list with filters, add, read, change, delete, sightings, bulk."""

from __future__ import annotations

import json
from typing import Any

import pytest

from siaga.core.testing import api_client_for
from siaga.intel.models import Indicator, Sighting

pytestmark = pytest.mark.django_db
JSON = "application/json"


def values(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["value"] for item in response.json()["results"]}


def post(client: Any, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type=JSON)


def test_list_scope_and_filters(personas: Any, make_indicator: Any) -> None:
    make_indicator("192.0.2.1", tlp="green", distribution="constituents", tags=["botnet"])
    make_indicator("evil.example", "domain")
    make_indicator("203.0.113.9", organization=personas.orgs.hospital)
    analyst = api_client_for(personas.cert_analyst)
    assert values(analyst.get("/api/v1/indicators")) == {"192.0.2.1", "evil.example"}
    assert values(analyst.get("/api/v1/indicators?type=domain")) == {"evil.example"}
    assert values(analyst.get("/api/v1/indicators?value=evil[.]example")) == {"evil.example"}
    assert values(analyst.get("/api/v1/indicators?tag=botnet")) == {"192.0.2.1"}
    assert values(analyst.get("/api/v1/indicators?active=true")) == {"192.0.2.1", "evil.example"}
    other = api_client_for(personas.other_reporter)
    assert values(other.get("/api/v1/indicators")) == {"192.0.2.1"}
    reporter = api_client_for(personas.constituent_reporter)
    assert values(reporter.get("/api/v1/indicators")) == {"192.0.2.1", "203.0.113.9"}
    bad = analyst.get("/api/v1/indicators?type=colour")
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")


def test_add_read_change_delete(personas: Any) -> None:
    client = api_client_for(personas.cert_analyst)
    response = post(
        client,
        "/api/v1/indicators",
        {
            "type": "domain",
            "value": "Phish[.]Example",
            "tlp": "green",
            "distribution": "constituents",
            "confidence": 70,
            "attack_techniques": ["T1566"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] == "phish.example" and body["tlp_label"] == "TLP:GREEN"
    assert body["organization"]["id"] == personas.orgs.cert.pk
    assert body["current_score"] == 70.0
    again = post(client, "/api/v1/indicators", {"type": "domain", "value": "phish.example"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    path = f"/api/v1/indicators/{body['id']}"
    assert client.get(path).json()["id"] == body["id"]
    changed = client.patch(
        path, json.dumps({"confidence": 20, "alerting": False}), content_type=JSON
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["confidence"], changed.json()["alerting"]) == (20, False)
    refused = client.patch(path, json.dumps({"distribution": "public"}), content_type=JSON)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "distribution"
    assert client.delete(path).status_code == 204
    assert not Indicator.objects.exists()


def test_problem_documents(personas: Any, make_indicator: Any) -> None:
    client = api_client_for(personas.constituent_admin)
    bad = post(client, "/api/v1/indicators", {"type": "ip", "value": "1.2.3"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "value", "message": bad.json()["errors"][0]["message"]}
    ]
    hidden = make_indicator("192.0.2.1")  # the CERT's AMBER: not for the hospital
    assert client.get(f"/api/v1/indicators/{hidden.pk}").status_code == 404
    reporter = api_client_for(personas.constituent_reporter)
    refused = post(reporter, "/api/v1/indicators", {"type": "ip", "value": "192.0.2.2"})
    assert refused.status_code == 403


def test_red_with_recipients(personas: Any) -> None:
    client = api_client_for(personas.cert_analyst)
    response = post(
        client,
        "/api/v1/indicators",
        {
            "type": "ip",
            "value": "192.0.2.77",
            "tlp": "red",
            "recipient_ids": [personas.constituent_admin.pk],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["recipient_ids"] == [personas.constituent_admin.pk]
    assert values(api_client_for(personas.constituent_admin).get("/api/v1/indicators")) == {
        "192.0.2.77"
    }
    assert values(api_client_for(personas.cert_lead).get("/api/v1/indicators")) == set()


def test_sightings(personas: Any, make_indicator: Any) -> None:
    indicator = make_indicator("192.0.2.1", tlp="green", distribution="constituents")
    client = api_client_for(personas.other_reporter)
    path = f"/api/v1/indicators/{indicator.pk}/sightings"
    created = post(client, path, {"count": 2, "where": "proxy"})
    assert created.status_code == 201, created.content
    assert created.json()["organization"]["id"] == personas.orgs.other_hospital.pk
    listed = client.get(path)
    assert listed.json()["count"] == 1
    indicator.refresh_from_db()
    assert indicator.sighting_count == 1
    refused = post(client, path, {"is_false_positive": True, "disable_alerting": True})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "disable_alerting"
    assert Sighting.objects.count() == 1


def test_bulk(personas: Any) -> None:
    client = api_client_for(personas.cert_analyst)
    body = {
        "tlp": "green",
        "distribution": "constituents",
        "items": [
            {"type": "ip", "value": "192.0.2.1"},
            {"type": "IP", "value": "192.0.2.999"},
            {"type": "banana", "value": "x"},
            {"type": "domain", "value": "evil[.]example", "tags": ["phish"]},
        ],
    }
    response = post(client, "/api/v1/indicators/bulk", body)
    assert response.status_code == 207, response.content
    result = response.json()
    assert (result["created"], result["updated"]) == (2, 0)
    assert [(p["index"], p["value"]) for p in result["problems"]] == [
        (1, "192.0.2.999"),
        (2, "x"),
    ]
    again = post(client, "/api/v1/indicators/bulk", {**body, "items": body["items"][:1]})
    assert again.status_code == 200 and again.json()["updated"] == 1


def test_bulk_limits(personas: Any) -> None:
    client = api_client_for(personas.cert_analyst)
    too_many = {"items": [{"type": "ip", "value": "192.0.2.1"}] * 10_001}
    response = post(client, "/api/v1/indicators/bulk", too_many)
    assert response.status_code in (413, 422)
    assert response["Content-Type"].startswith("application/problem+json")
    assert "10000" in response.content.decode() or "10,000" in response.content.decode()
    empty = post(client, "/api/v1/indicators/bulk", {"items": []})
    assert empty.status_code == 422
