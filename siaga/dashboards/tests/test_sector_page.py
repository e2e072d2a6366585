"""The CERT dashboard page: who may see it, the period filter, the panels, the query count."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.core.testing import login
from siaga.dashboards import rollups
from siaga.dashboards.tests.conftest import at, rollup

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:sector")
ALLOWED = ["cert_admin", "cert_lead", "cert_analyst", "coord_member", "auditor"]
REFUSED = ["constituent_admin", "constituent_reporter", "other_reporter", "outsider"]


@pytest.mark.parametrize("name", ALLOWED)
def test_sector_staff_see_it(client, personas, name):
    response = login(client, personas.by_name(name)).get(URL)
    assert response.status_code == 200
    assert b"Incidents by RSIT class" in response.content


@pytest.mark.parametrize("name", REFUSED)
def test_others_are_refused(client, personas, name):
    assert login(client, personas.by_name(name)).get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "custom", "from": "2026-02-30", "to": "2026-03-01"}, b"Enter a valid date"),
        ({"from": "2026-05-10", "to": "2026-05-01"}, b"must not be before the first day"),
        ({"period": "custom", "from": "2026-05-01"}, b"needs both its first and last day"),
        ({"from": "1999-12-31", "to": "2026-05-01"}, b"2000 or later"),
        ({"from": "2020-01-01", "to": "2026-05-01"}, b"at most"),
        ({"period": "yesterday"}, b"Select a valid choice"),
    ],
)
def test_bad_periods_are_a_clear_error(client, personas, query, message):
    response = login(client, personas.cert_analyst).get(URL, query)
    assert response.status_code == 400
    assert message in response.content
    assert b"panel-incidents_by_class" not in response.content


def test_panels_show_the_period_figures(client, personas, make_incident, profiled):
    make_incident(at(3), affected=[profiled.hospital], priority="P1")
    make_incident(at(4), rsit_class="fraud", rsit_type="phishing")
    rollup(date(2026, 5, 4), profiled.hospital, n=40)
    response = login(client, personas.cert_analyst).get(
        URL, {"from": "2026-05-01", "to": "2026-05-31"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd id="total-incidents">2</dd>' in page
    for key in (
        "incidents_over_time",
        "incidents_by_class",
        "incidents_by_priority",
        "incidents_by_province",
        "incidents_by_constituent_kind",
        "response_times",
        "sla_compliance",
        "open_legal_clocks",
        "events_over_time",
        "events_by_classification",
        "most_affected_constituents",
        "advisory_answer_rates",
        "maturity_distribution",
        "risk_heat_map",
    ):
        assert f'id="panel-{key}"' in page, key
    assert "DKI Jakarta" in page and "Test Hospital" in page
    assert page.count("<svg") >= 12
    assert "<details>" in page


def test_indonesian_labels_and_dates(client, personas, make_incident):
    make_incident(at(3), rsit_class="fraud", rsit_type="phishing")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = login(client, personas.cert_analyst).get(
        URL, {"from": "2026-05-01", "to": "2026-05-31"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mei 2026" in page  # the month, as Indonesian writes it
    assert "Penipuan" in page  # the RSIT class, from the taxonomy's translation
    assert ">Fraud<" not in page


def test_query_count_does_not_grow_with_the_data(client, personas, make_incident, profiled):
    make_incident(at(1), affected=[profiled.hospital])
    rollup(date(2026, 5, 1), profiled.hospital)
    login(client, personas.cert_analyst)
    query = {"from": "2026-05-01", "to": "2026-05-31"}
    client.get(URL, query)  # warm the session and the principal's caches
    from django.core.cache import cache

    cache.clear()
    login(client, personas.cert_analyst)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, query)
    for day in range(2, 20):
        make_incident(at(day), affected=[profiled.hospital, profiled.other_hospital])
        rollup(date(2026, 5, day), profiled.other_hospital, classification_type=f"type-{day}")
    rollups.refresh()  # what the commit's hook does (the test's transaction never commits)
    cache.clear()
    login(client, personas.cert_analyst)
    with CaptureQueriesContext(connection) as full:
        client.get(URL, query)
    assert len(full) == len(few)
    assert len(full) <= 30


def test_second_view_comes_from_the_cache_until_an_incident_changes(
    client, personas, make_incident, private_cache
):
    login(client, personas.cert_analyst)
    query = {"from": "2026-05-01", "to": "2026-05-31"}
    client.get(URL, query)
    with CaptureQueriesContext(connection) as cached:
        client.get(URL, query)
    assert not any("incidents_incident" in q["sql"] for q in cached.captured_queries)
    make_incident(at(3))
    response = client.get(URL, query)
    assert b'<dd id="total-incidents">1</dd>' in response.content


def test_a_write_keeps_the_roll_up_figures_cached(
    client, personas, make_incident, orgs, private_cache
):
    rollup(date(2026, 5, 3), orgs.hospital, n=4)
    login(client, personas.cert_analyst)
    query = {"from": "2026-05-01", "to": "2026-05-31"}
    client.get(URL, query)
    make_incident(at(3))
    with CaptureQueriesContext(connection) as after:
        client.get(URL, query)
    sql = " ".join(q["sql"] for q in after.captured_queries)
    assert "incidents_incident" in sql
    # The by-type/by-day roll-up query is not run again (the most affected constituents, which
    # mix incidents and events, are).
    assert "classification_type" not in sql
