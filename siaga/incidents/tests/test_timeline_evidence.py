"""Timeline entries point to the evidence they rest on: the incident's own or its reports'."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.evidence.actions import do_add_evidence_from_bytes
from siaga.incidents.actions import check_triage_report
from siaga.incidents.actions.casework import check_add_timeline_event, merged_timeline

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 11, 30, 1, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def vault(settings: Any, tmp_path: Any) -> None:
    settings.EVIDENCE_DIR = tmp_path / "vault"


@pytest.fixture
def incident_with_evidence(personas, make_report):
    report = make_report(title="Ransom note")
    report = check_triage_report(personas.cert_analyst, report, "new_incident")
    incident = report.incident
    own = do_add_evidence_from_bytes(b"%PDF-1.4 memo", name="memo.pdf", incident=incident)
    from_report = do_add_evidence_from_bytes(b"ransom note text", name="note.txt", report=report)
    return incident, own, from_report


def event(**extra: Any) -> dict[str, Any]:
    return {"occurred_at": WHEN, "source": "analyst", "description": "Note found", **extra}


def test_an_event_links_the_incidents_and_its_reports_evidence(personas, incident_with_evidence):
    incident, own, from_report = incident_with_evidence
    created = check_add_timeline_event(
        personas.cert_analyst, incident, event(evidence=[own, from_report])
    )
    assert set(created.evidence.all()) == {own, from_report}
    [entry] = [e for e in merged_timeline(personas.cert_analyst, incident) if e.kind == "event"]
    assert {item.safe_name for item in entry.evidence} == {"memo.pdf", "note.txt"}


def test_evidence_of_another_incident_is_refused(personas, incident_with_evidence, make_incident):
    incident, _own, _from_report = incident_with_evidence
    elsewhere = make_incident()
    stranger = do_add_evidence_from_bytes(b"other", name="other.txt", incident=elsewhere)
    with pytest.raises(ValidationError) as caught:
        check_add_timeline_event(personas.cert_analyst, incident, event(evidence=[stranger]))
    assert "evidence" in caught.value.message_dict
    assert not incident.timeline.exists()


def test_the_page_and_the_api_link_evidence(client, personas, incident_with_evidence):
    incident, own, _from_report = incident_with_evidence
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("incidents:timeline-add", args=[incident.pk]),
        {
            "occurred_at": "2026-11-30T08:15",
            "time_zone": "Asia/Jakarta",
            "source": "analyst",
            "description": "Memo received",
            "evidence": [str(own.pk)],
            "visibility": "internal",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert reverse("evidence:detail", args=[own.pk]) in page
    api = api_client_for(personas.cert_analyst)
    url = f"/api/v1/incidents/{incident.pk}/timeline"
    answer = api.post(
        url,
        {"occurred_at": "2026-11-30T02:00:00Z", "description": "Logs", "evidence_ids": [own.pk]},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert [item["safe_name"] for item in answer.json()["evidence"]] == ["memo.pdf"]
    bad = api.post(
        url,
        {"occurred_at": "2026-11-30T02:00:00Z", "description": "x", "evidence_ids": [999_999]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    listed = api.get(url).json()["results"]
    assert any(item["evidence"] for item in listed)
