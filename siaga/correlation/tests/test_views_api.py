"""The correlation page and ``GET /api/v1/correlations``: scoped, with clear errors."""

import pytest
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.correlation.actions import Occurrence, record_occurrences
from siaga.correlation.choices import OccurrenceKind
from siaga.incidents.actions.casework import check_add_observable

pytestmark = pytest.mark.django_db
URL = "/api/v1/correlations"


@pytest.fixture
def theirs(personas, make_incident):
    incident = make_incident("Their ransomware", personas.orgs.other_hospital)
    check_add_observable(personas.cert_analyst, incident, type="ip", value="203.0.113.5")
    check_add_observable(personas.cert_analyst, incident, type="cidr", value="203.0.113.0/24")
    return incident


def test_the_page_lists_holders_and_networks(client, personas, theirs):
    login(client, personas.cert_analyst)
    response = client.get(reverse("correlation:value"), {"type": "ip", "value": "203.0.113.5"})
    assert response.status_code == 200
    page = response.content.decode()
    assert theirs.reference in page and reverse("incidents:detail", args=[theirs.pk]) in page
    assert "203.0.113.0/24" in page and "Recorded 1 time." in page


def test_the_page_hides_what_the_visitor_may_not_see(client, personas, theirs):
    login(client, personas.constituent_reporter)
    response = client.get(reverse("correlation:value"), {"type": "ip", "value": "203.0.113.5"})
    page = response.content.decode()
    assert response.status_code == 200 and theirs.reference not in page
    assert "Nothing you can see holds this value." in page


def test_the_page_says_when_a_value_is_capped(client, personas, small_cap):
    record_occurrences(
        OccurrenceKind.FEED_EVENT, [Occurrence("domain", "common.example", n) for n in range(5)]
    )
    login(client, personas.cert_analyst)
    response = client.get(
        reverse("correlation:value"), {"type": "domain", "value": "common.example"}
    )
    assert (
        "This value is very common: 5 occurrences, showing the first 3."
        in response.content.decode()
    )


def test_the_page_names_a_bad_value(client, personas):
    login(client, personas.cert_analyst)
    response = client.get(reverse("correlation:value"), {"type": "ip", "value": "300.1.1.1"})
    assert response.status_code == 400
    assert "Enter an IPv4 or IPv6 address" in response.content.decode()
    assert client.get(reverse("correlation:value")).status_code == 200  # the empty form


def test_the_page_needs_a_sign_in(client):
    response = client.get(reverse("correlation:value"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_api_answers_scoped(personas, theirs):
    query = {"type": "ip", "value": "203.0.113.5"}
    body = api_client_for(personas.other_reporter).get(URL, query).json()
    assert body["value"] == "203.0.113.5" and body["occurrence_count"] == 1
    assert body["groups"][0]["kind"] == "observable"
    assert body["groups"][0]["holders"][0]["label"].startswith(theirs.reference)
    assert body["networks"][0]["value"] == "203.0.113.0/24"
    hidden = api_client_for(personas.constituent_reporter).get(URL, query).json()
    assert hidden["groups"] == [] and hidden["networks"] == []


def test_the_api_refuses_malformed_input_with_a_problem(personas):
    api = api_client_for(personas.cert_analyst)
    for query in (
        {"type": "ip", "value": "nope"},
        {"type": "colour", "value": "x"},
        {"type": "ip"},
    ):
        response = api.get(URL, query)
        assert response.status_code in (400, 422), query
        assert response["Content-Type"].startswith("application/problem+json")
    assert api.get(URL, {"type": "ip", "value": "1.2.3.4\x00"}).status_code in (400, 422)
