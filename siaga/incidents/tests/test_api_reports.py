"""/api/v1/reports: file, list, read and triage, with and without permission."""

import pytest
from django.core import mail

from siaga.core.testing import api_client_for
from siaga.incidents.models import Report

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_a_reporter_files_through_the_api(personas, django_capture_on_commit_callbacks):
    body = {"title": "Ransom note", "description": "Encrypted", "language": "en", "extra": 1}
    client = api_client_for(personas.constituent_reporter)
    assert client.post("/api/v1/reports", body, content_type=JSON).status_code == 422  # extra
    del body["extra"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reports", body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    report = Report.objects.get()
    assert data["tracking_id"] == report.tracking_id and data["channel"] == "api"
    assert data["organization"]["id"] == personas.orgs.hospital.pk
    assert report.raw == body
    assert mail.outbox[0].to == ["reporter@hospital.test"]


def test_a_bad_classification_is_422_on_the_field(personas):
    body = {
        "title": "x",
        "description": "y",
        "suspected_class": "fraud",
        "suspected_type": "ddos",
    }
    response = api_client_for(personas.constituent_reporter).post(
        "/api/v1/reports", body, content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "suspected_type"


def test_reporting_for_another_organization_is_refused(personas):
    body = {"title": "x", "description": "y", "organization_id": personas.orgs.other_hospital.pk}
    response = api_client_for(personas.constituent_reporter).post(
        "/api/v1/reports", body, content_type=JSON
    )
    assert response.status_code == 422
    assert not Report.objects.exists()


def test_outsiders_may_not_file(personas):
    response = api_client_for(personas.outsider).post(
        "/api/v1/reports", {"title": "x", "description": "y"}, content_type=JSON
    )
    assert response.status_code == 403


def test_list_and_detail_follow_the_scope(personas, make_report):
    mine = make_report(title="mine")
    make_report(personas.other_reporter, title="theirs")
    analyst = api_client_for(personas.cert_analyst)
    titles = {r["title"] for r in analyst.get("/api/v1/reports?status=new").json()["results"]}
    assert titles == {"mine", "theirs"}
    reporter = api_client_for(personas.other_reporter)
    assert reporter.get("/api/v1/reports").json()["count"] == 1
    assert reporter.get(f"/api/v1/reports/{mine.pk}").status_code == 404
    detail = analyst.get(f"/api/v1/reports/{mine.pk}").json()
    assert detail["reporter_email"] == "reporter@hospital.test"


def test_triage_through_the_api(personas, make_report, make_incident):
    analyst = api_client_for(personas.cert_analyst)
    report = make_report()
    url = f"/api/v1/reports/{report.pk}/triage"
    response = analyst.post(url, {"action": "new_incident"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "triaged"
    assert response.json()["incident"]["reference"].startswith("SIAGA-INC-")
    again = analyst.post(url, {"action": "reject", "reason": "spam"}, content_type=JSON)
    assert again.status_code == 422
    other = make_report()
    incident = make_incident()
    response = analyst.post(
        f"/api/v1/reports/{other.pk}/triage",
        {"action": "attach", "incident_id": incident.pk},
        content_type=JSON,
    )
    assert response.json()["incident"]["id"] == incident.pk
    refused = api_client_for(personas.constituent_admin).post(
        f"/api/v1/reports/{make_report().pk}/triage",
        {"action": "reject", "reason": "spam"},
        content_type=JSON,
    )
    assert refused.status_code == 403
