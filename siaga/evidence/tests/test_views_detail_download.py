"""Details, download and verification of evidence, for each persona."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import Personas, login
from siaga.evidence import actions, vault
from siaga.evidence.models import Evidence
from siaga.evidence.tests.helpers import upload
from siaga.incidents.models import Incident, Report

# Who sees evidence of an incident affecting Test Hospital, and who may verify it.
SEES_INCIDENT = {
    "cert_admin": True,
    "cert_lead": True,
    "cert_analyst": True,
    "auditor": True,
    "constituent_admin": True,
    "constituent_reporter": True,
    "coord_member": False,
    "other_reporter": False,
    "outsider": False,
}
VERIFIES = {"cert_admin", "cert_lead", "cert_analyst"}


@pytest.fixture
def evidence(personas: Personas, incident: Incident) -> Evidence:
    return actions.check_add_evidence(
        personas.cert_analyst,
        incident=incident,
        upload=upload("dropper.pdf", b"MZ\x90\x00payload", "application/pdf"),
    )


@pytest.mark.parametrize(("name", "sees"), SEES_INCIDENT.items())
def test_detail(
    client: Client, personas: Personas, evidence: Evidence, name: str, sees: bool
) -> None:
    login(client, personas.by_name(name))
    response = client.get(reverse("evidence:detail", args=[evidence.pk]))
    assert response.status_code == (200 if sees else 404)
    if sees:
        page = response.content.decode()
        assert evidence.sha256 in page
        assert "Executable program" in page
        assert "Chain of custody" in page
        assert ("Verify integrity" in page) == (name in VERIFIES)


def test_detail_view_is_audited(client: Client, personas: Personas, evidence: Evidence) -> None:
    login(client, personas.constituent_admin)
    client.get(reverse("evidence:detail", args=[evidence.pk]))
    assert AuditEntry.objects.filter(
        action="view", object_type="evidence.evidence", object_id=str(evidence.pk)
    ).exists()


@pytest.mark.parametrize(("name", "sees"), SEES_INCIDENT.items())
def test_download(
    client: Client, personas: Personas, evidence: Evidence, name: str, sees: bool
) -> None:
    login(client, personas.by_name(name))
    response = client.get(reverse("evidence:download", args=[evidence.pk]))
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert b"".join(response.streaming_content) == b"MZ\x90\x00payload"  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"] == 'attachment; filename="dropper.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Length"] == str(evidence.size)
    downloads = evidence.custody_events.filter(action="downloaded").count()
    assert downloads == (1 if sees else 0)


def test_download_of_damaged_file_is_refused_and_not_recorded(
    client: Client, personas: Personas, evidence: Evidence
) -> None:
    vault.path_of(evidence.storage_id).write_bytes(b"garbage")
    login(client, personas.cert_admin)
    response = client.get(reverse("evidence:download", args=[evidence.pk]), follow=True)
    assert "cannot be served" in response.content.decode()
    assert not evidence.custody_events.filter(action="downloaded").exists()


@pytest.mark.parametrize(("name", "sees"), SEES_INCIDENT.items())
def test_verify(
    client: Client, personas: Personas, evidence: Evidence, name: str, sees: bool
) -> None:
    login(client, personas.by_name(name))
    url = reverse("evidence:verify", args=[evidence.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    expected = 302 if name in VERIFIES else (403 if sees else 404)
    assert response.status_code == expected
    verified = evidence.custody_events.filter(action="verified", succeeded=True).count()
    assert verified == (1 if name in VERIFIES else 0)


def test_report_evidence_visibility(client: Client, personas: Personas, report: Report) -> None:
    evidence = actions.check_add_evidence(
        personas.constituent_reporter, report=report, upload=upload()
    )
    url = reverse("evidence:detail", args=[evidence.pk])
    for name, status in [
        ("constituent_reporter", 200),
        ("cert_lead", 200),
        ("other_reporter", 404),
    ]:
        assert login(client, personas.by_name(name)).get(url).status_code == status
