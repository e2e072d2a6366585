"""The dashboards' API: the same figures as the pages, permissions, bad periods."""

from __future__ import annotations

from datetime import date

import pytest

from siaga.core.testing import api_client_for
from siaga.dashboards.tests.conftest import at, rollup

pytestmark = pytest.mark.django_db
SECTOR = "/api/v1/dashboards/sector"
MINE = "/api/v1/dashboards/mine"
MAY = {"from": "2026-05-01", "to": "2026-05-31"}


@pytest.mark.parametrize("name", ["cert_admin", "cert_analyst", "coord_member", "auditor"])
def test_sector_for_sector_staff(personas, name, make_incident):
    make_incident(at(3), priority="P1", acknowledged_at=at(3, hour=11))
    body = api_client_for(personas.by_name(name)).get(SECTOR, MAY).json()
    assert body["incidents_total"] == 1
    assert body["incidents_by_class"] == [{"label": "Malicious code", "count": 1}]
    assert body["response_times"][0] == {
        "priority": "P1",
        "mtta": 3600.0,
        "mttr": None,
        "acknowledged": 1,
        "resolved": 0,
    }
    assert len(body["incidents_over_time"]["labels"]) == 31
    assert body["risk_heat_map"]["cells"]


@pytest.mark.parametrize("name", ["constituent_admin", "constituent_reporter", "outsider"])
def test_sector_refused(personas, name):
    response = api_client_for(personas.by_name(name)).get(SECTOR)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_refused(client):
    assert client.get(SECTOR).status_code == 401
    assert client.get(MINE).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-05-10", "to": "2026-05-01"}, "to"),
        ({"from": "1990-01-01", "to": "2026-05-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "not a date"}, "to"),
    ],
)
def test_bad_periods_are_422(personas, query, field):
    response = api_client_for(personas.cert_analyst).get(SECTOR, query)
    assert response.status_code == 422
    assert field in response.content.decode()


def test_default_period_is_the_last_30_days(personas):
    body = api_client_for(personas.cert_analyst).get(SECTOR).json()
    assert body["period"]["preset"] == "30d"
    assert len(body["incidents_over_time"]["labels"]) == 30


def test_mine_shows_only_the_members_organization(personas, make_incident, orgs):
    make_incident(at(3), affected=[orgs.hospital], rsit_type="infected-system")
    make_incident(at(4), affected=[orgs.other_hospital])
    rollup(date(2026, 5, 3), orgs.hospital, n=7)
    rollup(date(2026, 5, 3), orgs.other_hospital, n=100)
    body = api_client_for(personas.constituent_reporter).get(MINE, MAY).json()
    assert body["organization"]["name"] == "Test Hospital"
    assert body["incidents"]["created"] == 1
    assert body["incidents"]["by_type"] == [{"label": "Infected system", "count": 1}]
    assert body["events"]["by_type"] == [{"label": "Vulnerable system", "count": 7}]
    other = api_client_for(personas.constituent_reporter).get(
        MINE, {**MAY, "organization": orgs.other_hospital.pk}
    )
    assert other.status_code == 404


@pytest.mark.parametrize("name", ["cert_analyst", "coord_member", "outsider"])
def test_mine_refused_without_a_constituent(personas, name):
    assert api_client_for(personas.by_name(name)).get(MINE).status_code == 403
