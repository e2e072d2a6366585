"""incidents:report-list, report-detail and report-triage."""

import pytest
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login


def test_the_triage_queue(client, personas, make_report):
    make_report(title="mine")
    make_report(personas.other_reporter, title="theirs")
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:report-list"), {"status": "new"})
    assert {r.title for r in response.context["page"].object_list} == {"mine", "theirs"}
    login(client, personas.constituent_admin)
    response = client.get(reverse("incidents:report-list"))
    assert {r.title for r in response.context["page"].object_list} == {"mine"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("cert_analyst", 200), ("constituent_admin", 200), ("other_reporter", 404), ("outsider", 404)],
)
def test_report_detail_per_persona_is_audited(client, personas, make_report, persona, status):
    report = make_report()
    login(client, personas.by_name(persona))
    response = client.get(reverse("incidents:report-detail", args=[report.pk]))
    assert response.status_code == status
    viewed = AuditEntry.objects.filter(action="view", object_type="incidents.report").exists()
    assert viewed == (status == 200)
    if status == 200:
        assert (response.context["triage_form"] is not None) == (persona == "cert_analyst")


def test_triage_from_the_page(client, personas, make_report):
    report = make_report()
    login(client, personas.cert_analyst)
    url = reverse("incidents:report-triage", args=[report.pk])
    response = client.post(url, {"action": "new_incident"})
    report.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[report.incident_id])
    response = client.post(url, {"action": "reject", "reason": "spam"})
    assert response.status_code == 400
    assert "already triaged" in response.content.decode()


def test_triage_errors_land_on_the_form(client, personas, make_report):
    report = make_report()
    login(client, personas.cert_analyst)
    url = reverse("incidents:report-triage", args=[report.pk])
    response = client.post(url, {"action": "attach"})
    assert "incident" in response.context["triage_form"].errors
    response = client.post(url, {"action": "reject", "reason": "duplicate", "duplicate_of": "NOPE"})
    assert "duplicate_of" in response.context["triage_form"].errors


def test_constituents_may_not_triage(client, personas, make_report):
    report = make_report()
    login(client, personas.constituent_admin)
    url = reverse("incidents:report-triage", args=[report.pk])
    assert client.post(url, {"action": "new_incident"}).status_code == 403
