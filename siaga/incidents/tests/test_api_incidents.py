"""/api/v1/incidents: list with filters, open, read, change, transition and assign."""

import pytest

from siaga.core.testing import api_client_for
from siaga.incidents.actions import check_assign

pytestmark = pytest.mark.django_db
JSON = "application/json"


def titles(response):
    assert response.status_code == 200, response.content
    return {incident["title"] for incident in response.json()["results"]}


def test_list_scope_and_filters(personas, make_incident):
    orgs = personas.orgs
    red = make_incident(
        title="red",
        tlp="red",
        patient_safety=3,
        health_tags=["medical_device"],
        affected_constituents=[orgs.hospital],
    )
    make_incident(title="green", tlp="green", rsit_class="fraud", rsit_type="phishing")
    check_assign(personas.cert_lead, red, personas.cert_analyst.pk)
    analyst = api_client_for(personas.cert_analyst)
    assert titles(analyst.get("/api/v1/incidents")) == {"red", "green"}
    assert titles(analyst.get("/api/v1/incidents?tlp=red")) == {"red"}
    assert titles(analyst.get("/api/v1/incidents?priority=P1")) == {"red"}
    assert titles(analyst.get("/api/v1/incidents?rsit_type=phishing")) == {"green"}
    assert titles(analyst.get("/api/v1/incidents?health_tag=medical_device")) == {"red"}
    assert titles(analyst.get(f"/api/v1/incidents?assignee_id={personas.cert_analyst.pk}")) == {
        "red"
    }
    assert titles(analyst.get(f"/api/v1/incidents?affected_constituent_id={orgs.hospital.pk}")) == {
        "red"
    }
    assert titles(analyst.get("/api/v1/incidents?q=gree")) == {"green"}
    assert analyst.get("/api/v1/incidents?tlp=purple").status_code == 422
    assert titles(api_client_for(personas.constituent_reporter).get("/api/v1/incidents")) == {"red"}
    assert titles(api_client_for(personas.coord_member).get("/api/v1/incidents")) == set()


def test_the_list_takes_a_fixed_number_of_queries(
    personas, make_incident, django_assert_max_num_queries
):
    client = api_client_for(personas.cert_analyst)
    for number in range(20):
        incident = make_incident(title=f"i{number}")
        check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    # token, token use, principal, count, page (with assignee)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/incidents?limit=100").json()["count"] == 20


def test_open_read_and_change(personas):
    analyst = api_client_for(personas.cert_analyst)
    body = {
        "title": "Infusion pumps talking to an unknown host",
        "rsit_class": "malicious-code",
        "rsit_type": "c2-server",
        "health_tags": ["medical_device"],
        "patient_safety": 2,
        "tlp": "amber+strict",
        "affected_constituent_ids": [personas.orgs.hospital.pk],
    }
    response = analyst.post("/api/v1/incidents", body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["priority"] == "P2" and data["tlp_label"] == "TLP:AMBER+STRICT"
    assert data["pap_label"] == "PAP:AMBER"
    assert data["status_changes"][0]["to_status"] == "new"
    url = f"/api/v1/incidents/{data['id']}"
    patched = analyst.patch(url, {"patient_safety": 3, "tlp": "red"}, content_type=JSON)
    assert patched.json()["priority"] == "P1" and patched.json()["tlp_label"] == "TLP:RED"
    bad = analyst.patch(url, {"rsit_type": "phishing"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rsit_type"
    not_constituent = analyst.patch(
        url, {"affected_constituent_ids": [personas.orgs.agency.pk]}, content_type=JSON
    )
    assert not_constituent.status_code == 422
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(url).json()["title"] == body["title"]
    assert reporter.patch(url, {"title": "x"}, content_type=JSON).status_code == 403
    assert api_client_for(personas.other_reporter).get(url).status_code == 404
    assert reporter.post("/api/v1/incidents", {"title": "x"}, content_type=JSON).status_code == 403


def test_transition_and_assign(personas, make_incident):
    incident = make_incident()
    analyst = api_client_for(personas.cert_analyst)
    url = f"/api/v1/incidents/{incident.pk}"
    response = analyst.post(f"{url}/transition", {"status": "recovery"}, content_type=JSON)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "status"  # the message names the allowed steps, in the user's language
    response = analyst.post(
        f"{url}/transition",
        {"status": "closed", "closure_reason": "false_positive", "note": "scanner"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert response.json()["closed_at"] and response.json()["closure_reason"] == "false_positive"
    response = analyst.post(
        f"{url}/assign", {"assignee_id": personas.cert_lead.pk}, content_type=JSON
    )
    assert response.json()["assignee"]["id"] == personas.cert_lead.pk
    response = analyst.post(
        f"{url}/assign", {"assignee_id": personas.constituent_admin.pk}, content_type=JSON
    )
    assert response.status_code == 422
    response = analyst.post(f"{url}/assign", {"assignee_id": None}, content_type=JSON)
    assert response.json()["assignee"] is None
    auditor = api_client_for(personas.auditor)
    assert (
        auditor.post(f"{url}/assign", {"assignee_id": None}, content_type=JSON).status_code == 403
    )
