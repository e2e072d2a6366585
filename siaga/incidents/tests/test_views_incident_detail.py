"""incidents:detail, create, edit, transition and assign, with and without permission."""

import pytest
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.incidents.actions import check_triage_report
from siaga.incidents.models import Incident


@pytest.fixture
def incident(personas, make_incident):
    return make_incident(
        title="PACS down", tlp="amber+strict", affected_constituents=[personas.orgs.hospital]
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("auditor", 200),
        ("constituent_reporter", 200),
        ("other_reporter", 404),
        ("coord_member", 404),
        ("outsider", 404),
    ],
)
def test_detail_per_persona(client, personas, incident, persona, status):
    login(client, personas.by_name(persona))
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "TLP:AMBER+STRICT" in body and "PAP:AMBER" in body and "P4" in body
        can_change = persona == "cert_analyst"
        assert (response.context["transition_form"] is not None) == can_change
        assert (response.context["assign_form"] is not None) == can_change


def test_detail_shows_history_and_the_reports_the_viewer_may_see(client, personas, make_report):
    report = check_triage_report(personas.cert_analyst, make_report(), "new_incident")
    login(client, personas.constituent_reporter)
    response = client.get(reverse("incidents:detail", args=[report.incident_id]))
    assert report.tracking_id in response.content.decode()
    assert response.context["history"].first().to_status == "new"


def test_a_tlp_red_view_is_audited(client, personas, make_incident):
    red = make_incident(tlp="red")
    login(client, personas.cert_analyst)
    client.get(reverse("incidents:detail", args=[red.pk]))
    assert AuditEntry.objects.filter(
        action="view", object_type="incidents.incident", object_id=str(red.pk)
    ).exists()


def test_cert_staff_open_an_incident(client, personas):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("incidents:create"),
        {
            "title": "DDoS on the appointment site",
            "rsit_class": "availability",
            "rsit_type": "ddos",
            "health_tags": ["satusehat_simrs_integration"],
            "patient_safety": 0,
            "service_disruption": 3,
            "records_affected": 0,
            "spread": 1,
            "tlp": "green",
            "pap": "green",
            "affected_constituents": [personas.orgs.hospital.pk],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.priority == "P2" and incident.reported_at is not None
    assert incident.health_tags == ["satusehat_simrs_integration"]


def test_a_wrong_classification_is_a_field_error(client, personas):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("incidents:create"),
        {"title": "x", "rsit_class": "fraud", "rsit_type": "ddos", "tlp": "amber", "pap": "amber"}
        | {"patient_safety": 0, "service_disruption": 0, "records_affected": 0, "spread": 0},
    )
    assert response.status_code == 200
    assert "rsit_type" in response.context["form"].errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("constituent_admin", 403), ("auditor", 403), ("outsider", 403)]
)
def test_others_may_not_open_incidents(client, personas, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("incidents:create")).status_code == status


def test_edit_by_staff_and_refusals(client, personas, incident):
    url = reverse("incidents:edit", args=[incident.pk])
    login(client, personas.constituent_reporter)
    assert client.get(url).status_code == 403
    login(client, personas.other_reporter)
    assert client.get(url).status_code == 404
    login(client, personas.cert_lead)
    response = client.post(
        url,
        {
            "title": "PACS down",
            "patient_safety": 3,
            "service_disruption": 2,
            "records_affected": 0,
            "spread": 0,
            "tlp": "red",
            "pap": "red",
            "affected_constituents": [personas.orgs.hospital.pk],
            "shared_with": [personas.orgs.agency.pk],
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.priority == "P1" and incident.tlp == "red"
    assert list(incident.shared_with.all()) == [personas.orgs.agency]


def test_transition_and_assign_pages(client, personas, incident):
    login(client, personas.cert_analyst)
    url = reverse("incidents:transition", args=[incident.pk])
    assert client.post(url, {"status": "triage"}).status_code == 302
    response = client.post(url, {"status": "closed"})
    assert response.status_code == 400
    assert "closure_reason" in response.context["transition_form"].errors
    response = client.post(url, {"status": "new"})
    assert response.status_code == 400
    assert "allowed" in str(response.context["transition_form"].errors["status"])
    assign = reverse("incidents:assign", args=[incident.pk])
    assert client.post(assign, {"assignee": personas.cert_lead.pk}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "triage" and incident.assignee == personas.cert_lead
    response = client.post(assign, {"assignee": personas.constituent_admin.pk})
    assert response.status_code == 400  # not CERT staff: not a choice
    assert client.post(assign, {"assignee": ""}).status_code == 302
    incident.refresh_from_db()
    assert incident.assignee is None


def test_constituents_may_not_transition_or_assign(client, personas, incident):
    login(client, personas.constituent_admin)
    assert (
        client.post(reverse("incidents:transition", args=[incident.pk]), {"status": "triage"})
    ).status_code == 403
    assert (
        client.post(reverse("incidents:assign", args=[incident.pk]), {"assignee": ""})
    ).status_code == 403
