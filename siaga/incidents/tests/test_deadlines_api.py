"""API of clocks, notices and SLAs: scope, permissions and answers."""

import pytest

from siaga.core.testing import api_client_for
from siaga.incidents.models import LegalClock

JSON = "application/json"


@pytest.fixture
def clock(personas, make_incident):
    incident = make_incident(
        title="Kebocoran data",
        personal_data_involved=True,
        affected_constituents=[personas.orgs.hospital],
    )
    return LegalClock.objects.get(incident=incident)


def test_incident_clocks_and_slas(personas, clock):
    api = api_client_for(personas.constituent_reporter)
    response = api.get(f"/api/v1/incidents/{clock.incident_id}/clocks")
    assert response.status_code == 200
    [item] = response.json()
    assert item["kind"] == "pdp_notice"
    assert item["state"] == "running"
    assert item["seconds_left"] > 70 * 3600
    assert item["incident"]["reference"] == clock.incident.reference
    slas = api.get(f"/api/v1/incidents/{clock.incident_id}/slas").json()
    assert [s["milestone"] for s in slas] == ["acknowledge", "triage", "first_response", "resolve"]
    assert {s["state"] for s in slas} == {"running"}


@pytest.mark.parametrize("persona", ["other_reporter", "outsider", "coord_member"])
def test_outside_the_scope_is_not_found(personas, clock, persona):
    api = api_client_for(personas.by_name(persona))
    assert api.get(f"/api/v1/incidents/{clock.incident_id}/clocks").status_code == 404
    assert api.get(f"/api/v1/incidents/{clock.incident_id}/slas").status_code == 404
    assert api.get(f"/api/v1/clocks/{clock.pk}/notice").status_code == 404
    response = api.post(f"/api/v1/clocks/{clock.pk}/sent", {"sent_to": "x"}, content_type=JSON)
    assert response.status_code == 404
    assert api.get("/api/v1/clocks").json()["count"] == 0


def test_open_clocks(personas, clock, make_incident):
    make_incident(personal_data_involved=True)  # internal to the CERT
    assert api_client_for(personas.cert_analyst).get("/api/v1/clocks").json()["count"] == 2
    assert api_client_for(personas.constituent_admin).get("/api/v1/clocks").json()["count"] == 1


def test_notice_draft_in_both_languages(personas, clock):
    api = api_client_for(personas.constituent_admin)
    indonesian = api.get(f"/api/v1/clocks/{clock.pk}/notice").json()
    assert indonesian["language"] == "id"
    assert clock.incident.reference in indonesian["subject"]
    assert indonesian["subject"].startswith("Pemberitahuan")
    assert {r["role"] for r in indonesian["recipients"]} == {"data_subjects", "pdp_authority"}
    english = api.get(f"/api/v1/clocks/{clock.pk}/notice", {"language": "en"}).json()
    assert english["subject"].startswith("Notice of a personal data protection failure")
    assert "which personal data were exposed" in english["missing"]
    assert api.get(f"/api/v1/clocks/{clock.pk}/notice", {"language": "fr"}).status_code == 422


def test_sent_then_refused_a_second_time(personas, clock):
    api = api_client_for(personas.constituent_admin)
    url = f"/api/v1/clocks/{clock.pk}/sent"
    response = api.post(url, {"sent_to": "Lembaga PDP", "note": "e-mail"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    assert response.json()["state"] == "sent"
    again = api.post(url, {"sent_to": "Lembaga PDP"}, content_type=JSON)
    assert again.status_code == 422
    waive = api.post(f"/api/v1/clocks/{clock.pk}/waive", {"note": "x"}, content_type=JSON)
    assert waive.status_code == 422


def test_waive_needs_a_reason_and_permission(personas, clock):
    url = f"/api/v1/clocks/{clock.pk}/waive"
    analyst = api_client_for(personas.cert_analyst)
    assert analyst.post(url, {"note": ""}, content_type=JSON).status_code == 422
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.post(url, {"note": "no"}, content_type=JSON).status_code == 403
    auditor = api_client_for(personas.auditor)
    assert auditor.post(url, {"note": "no"}, content_type=JSON).status_code == 403
    response = analyst.post(url, {"note": "Test data only."}, content_type=JSON)
    assert response.json()["status"] == "waived"


def test_read_only_token_may_not_record(personas, clock):
    api = api_client_for(personas.cert_analyst, scope="read")
    response = api.post(f"/api/v1/clocks/{clock.pk}/sent", {"sent_to": "x"}, content_type=JSON)
    assert response.status_code == 403
