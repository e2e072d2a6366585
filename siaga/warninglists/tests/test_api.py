"""The warninglist API: list, get, check one value or many."""

from __future__ import annotations

import pytest

from siaga.core.testing import api_client_for
from siaga.warninglists.loader import load_warninglist
from siaga.warninglists.tests.conftest import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists() -> None:
    load_warninglist(make_list(name="Private", type="cidr", values=["10.0.0.0/8"]))
    load_warninglist(
        make_list(name="Dynamic DNS", type="hostname", values=[".dyndns.org"], version=7)
    )


def test_list_and_get(personas, lists):
    client = api_client_for(personas.constituent_reporter)
    response = client.get("/api/v1/warninglists")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["name"] for row in body["results"]] == ["Dynamic DNS", "Private"]
    one = client.get(f"/api/v1/warninglists/{body['results'][0]['id']}").json()
    assert one["version"] == 7 and one["type"] == "hostname" and one["entry_count"] == 1
    assert client.get("/api/v1/warninglists/999999").status_code == 404


def test_check_one_and_many(personas, lists):
    client = api_client_for(personas.coord_member)
    one = client.post(
        "/api/v1/warninglists/check",
        {"type": "domain", "value": "Home.DynDNS.org."},
        content_type="application/json",
    )
    assert one.status_code == 200
    assert one.json() == {"type": "domain", "value": "home.dyndns.org", "hits": ["Dynamic DNS"]}
    many = client.post(
        "/api/v1/warninglists/check",
        [{"type": "ip", "value": "10.9.8.7"}, {"type": "ip", "value": "192.0.2.1"}],
        content_type="application/json",
    )
    assert [answer["hits"] for answer in many.json()] == [["Private"], []]


def test_check_refuses_bad_values_with_a_problem(personas, lists):
    client = api_client_for(personas.cert_analyst)
    response = client.post(
        "/api/v1/warninglists/check",
        [{"type": "ip", "value": "10.0.0.1"}, {"type": "ip", "value": "ten"}],
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Value 2" in response.json()["detail"]
    response = client.post(
        "/api/v1/warninglists/check",
        {"type": "nonsense", "value": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    too_many = [{"type": "ip", "value": "10.0.0.1"}] * 1001
    response = client.post("/api/v1/warninglists/check", too_many, content_type="application/json")
    assert response.status_code == 422


def test_outsiders_and_anonymous_are_refused(client, personas, lists):
    outsider = api_client_for(personas.outsider)
    assert outsider.get("/api/v1/warninglists").status_code == 403
    response = outsider.post(
        "/api/v1/warninglists/check",
        {"type": "ip", "value": "10.0.0.1"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get("/api/v1/warninglists").status_code == 401
