"""The upload pages of an incident and of a report: who may use them, and what they store."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from siaga.core.testing import Personas, login
from siaga.evidence.models import Evidence
from siaga.evidence.tests.helpers import upload, zip_bytes
from siaga.incidents.choices import ReportStatus
from siaga.incidents.models import Incident, Report

INCIDENT_UPLOAD = {
    "cert_admin": 200,
    "cert_lead": 200,
    "cert_analyst": 200,
    "auditor": 403,
    "constituent_admin": 403,  # sees the incident, may not change it
    "constituent_reporter": 403,
    "coord_member": 404,
    "other_reporter": 404,
    "outsider": 404,
}
REPORT_UPLOAD = {
    "cert_admin": 200,
    "cert_lead": 200,
    "cert_analyst": 200,
    "constituent_reporter": 200,  # filed it
    "constituent_admin": 200,  # files reports for the hospital
    "auditor": 403,  # reads everything, changes nothing
    "coord_member": 404,
    "other_reporter": 404,
    "outsider": 404,
}


@pytest.mark.parametrize(("name", "status"), INCIDENT_UPLOAD.items())
def test_incident_upload_page(
    client: Client, personas: Personas, incident: Incident, name: str, status: int
) -> None:
    login(client, personas.by_name(name))
    url = reverse("evidence:incident-upload", args=[incident.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"file": upload(), "description": "pcap"})
    assert response.status_code == (302 if status == 200 else status)
    assert Evidence.objects.filter(incident=incident).count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(("name", "status"), REPORT_UPLOAD.items())
def test_report_upload_page(
    client: Client, personas: Personas, report: Report, name: str, status: int
) -> None:
    login(client, personas.by_name(name))
    url = reverse("evidence:report-upload", args=[report.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"file": upload()})
    assert response.status_code == (302 if status == 200 else status)


def test_reporter_cannot_add_after_triage_but_cert_can(
    client: Client, personas: Personas, report: Report
) -> None:
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.TRIAGED)
    url = reverse("evidence:report-upload", args=[report.pk])
    assert login(client, personas.constituent_reporter).get(url).status_code == 403
    assert login(client, personas.cert_analyst).get(url).status_code == 200


def test_upload_stores_and_redirects_to_details(
    client: Client, personas: Personas, incident: Incident
) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("evidence:incident-upload", args=[incident.pk]),
        {
            "file": upload("../../Laporan.pdf", b"%PDF-1.7 body", "application/pdf"),
            "description": "Scan",
        },
    )
    evidence = Evidence.objects.get()
    assert response["Location"] == reverse("evidence:detail", args=[evidence.pk])
    assert (evidence.original_name, evidence.safe_name) == ("Laporan.pdf", "Laporan.pdf")
    assert (evidence.sniffed_type, evidence.flags, evidence.source) == (
        "application/pdf",
        [],
        "upload",
    )
    assert evidence.uploaded_by == personas.cert_analyst


def test_refused_archive_shows_the_reason_on_the_form(
    client: Client, personas: Personas, incident: Incident
) -> None:
    login(client, personas.cert_analyst)
    url = reverse("evidence:incident-upload", args=[incident.pk])
    bad = zip_bytes({"../../etc/passwd": b"x"})
    response = client.post(url, {"file": upload("a.zip", bad, "application/zip")})
    assert response.status_code == 200
    assert "leaves its folder" in response.content.decode()
    assert not Evidence.objects.exists()
    sealed = client.post(url, {"file": upload("a.zip", bad, "application/zip"), "sealed": "on"})
    assert sealed.status_code == 302
    assert Evidence.objects.get().flags == ["archive_sealed", "archive_unsafe_paths"]


def test_anonymous_is_sent_to_sign_in(client: Client, incident: Incident) -> None:
    response = client.get(reverse("evidence:incident-upload", args=[incident.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]
