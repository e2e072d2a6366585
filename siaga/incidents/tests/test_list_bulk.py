"""Bulk actions on selected incidents: each through its own checks, failures reported per id."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions import check_transition
from siaga.incidents.models import Incident

JSON = "application/json"


@pytest.fixture
def three(make_incident):
    return [make_incident(title=f"Incident {n}") for n in range(3)]


def test_bulk_assign(client, personas, three):
    login(client, personas.cert_lead)
    response = client.post(
        reverse("incidents:bulk"),
        {
            "ids": [i.pk for i in three],
            "action": "assign",
            "assignee": personas.cert_analyst.pk,
            "return_query": "status=new",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:list") + "?status=new"
    assert set(Incident.objects.values_list("assignee", flat=True)) == {personas.cert_analyst.pk}


def test_bulk_transition_reports_each_failure_and_goes_on(client, personas, three):
    first, second, third = three
    login(client, personas.cert_analyst)
    check_transition(personas.cert_analyst, second, "closed", closure_reason="false_positive")
    response = client.post(
        reverse("incidents:bulk"),
        {
            "ids": [first.pk, second.pk, third.pk, 999999],
            "action": "transition",
            "status": "triage",
        },
    )
    statuses = dict(Incident.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[third.pk] == "triage"
    assert statuses[second.pk] == "closed"  # closed → triage is not allowed
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "2 incidents changed." in texts
    assert any(second.reference in text and "cannot go from" in text for text in texts)
    assert any("#999999" in text and "No such incident." in text for text in texts)


def test_closing_in_bulk_needs_a_reason(client, personas, three):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("incidents:bulk"),
        {"ids": [three[0].pk], "action": "transition", "status": "closed"},
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(three[0].reference in text and "closure reason" in text for text in texts)
    assert Incident.objects.get(pk=three[0].pk).status == "new"


def test_nothing_selected_is_an_error(client, personas, three):
    login(client, personas.cert_analyst)
    response = client.post(reverse("incidents:bulk"), {"action": "assign"})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Select at least one incident." in texts


@pytest.mark.parametrize(
    "persona", ["auditor", "constituent_admin", "constituent_reporter", "outsider"]
)
def test_only_cert_staff_may_act_in_bulk(client, personas, three, persona):
    login(client, personas.by_name(persona))
    response = client.post(
        reverse("incidents:bulk"),
        {"ids": [three[0].pk], "action": "assign", "assignee": personas.cert_analyst.pk},
    )
    assert response.status_code == 403
    assert Incident.objects.get(pk=three[0].pk).assignee is None


def test_the_list_offers_bulk_actions_to_staff_only(client, personas, three):
    login(client, personas.cert_analyst)
    assert client.get(reverse("incidents:list")).context["bulk_form"] is not None
    login(client, personas.auditor)
    assert client.get(reverse("incidents:list")).context["bulk_form"] is None


def test_api_bulk_answers_per_id(personas, three, make_incident):
    first, second, _third = three
    hidden_from_hospital = make_incident(title="Elsewhere")
    api = api_client_for(personas.cert_analyst)
    response = api.post(
        "/api/v1/incidents/bulk",
        {"ids": [first.pk, second.pk, 999999], "action": "transition", "status": "analysis"},
        content_type=JSON,
    )
    assert response.status_code == 200
    results = {item["id"]: item for item in response.json()["results"]}
    assert results[first.pk]["ok"] and results[second.pk]["ok"]
    assert not results[999999]["ok"]
    again = api.post(
        "/api/v1/incidents/bulk",
        {"ids": [first.pk], "action": "transition", "status": "new"},
        content_type=JSON,
    ).json()["results"][0]
    assert not again["ok"] and again["error"]  # the lifecycle's reason, in the user's language
    refused = api_client_for(personas.auditor).post(
        "/api/v1/incidents/bulk",
        {"ids": [hidden_from_hospital.pk], "action": "assign", "assignee_id": None},
        content_type=JSON,
    )
    assert refused.status_code == 403
    empty = api.post("/api/v1/incidents/bulk", {"ids": [], "action": "assign"}, content_type=JSON)
    assert empty.status_code == 422
