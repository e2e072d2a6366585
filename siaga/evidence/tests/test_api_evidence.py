"""The evidence API: listing, uploading, reading, downloading and the chain of custody."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siaga.core.testing import Personas, api_client_for
from siaga.evidence import actions
from siaga.evidence.models import Evidence
from siaga.evidence.tests.helpers import upload, zip_bytes
from siaga.incidents.models import Incident

SEES_INCIDENT = {
    "cert_admin": 200,
    "cert_lead": 200,
    "cert_analyst": 200,
    "auditor": 200,
    "constituent_admin": 200,
    "constituent_reporter": 200,
    "coord_member": 404,
    "other_reporter": 404,
    "outsider": 404,
}
MAY_UPLOAD = {"cert_admin", "cert_lead", "cert_analyst"}


@pytest.fixture
def evidence(personas: Personas, incident: Incident) -> Evidence:
    return actions.check_add_evidence(personas.cert_lead, incident=incident, upload=upload())


@pytest.mark.parametrize(("name", "status"), SEES_INCIDENT.items())
def test_list(
    personas: Personas, incident: Incident, evidence: Evidence, name: str, status: int
) -> None:
    response = api_client_for(personas.by_name(name)).get(
        f"/api/v1/incidents/{incident.pk}/evidence"
    )
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["count"] == 1
        assert body["results"][0]["sha256"] == evidence.sha256
        assert body["results"][0]["uploaded_by"]["email"] == "lead@cert.test"
    else:
        assert response["Content-Type"] == "application/problem+json"


def test_list_query_count_is_constant(personas: Personas, incident: Incident) -> None:
    client = api_client_for(personas.cert_admin)
    url = f"/api/v1/incidents/{incident.pk}/evidence"
    actions.check_add_evidence(personas.cert_lead, incident=incident, upload=upload())
    client.get(url)  # warm caches (token, principal)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        actions.check_add_evidence(personas.cert_analyst, incident=incident, upload=upload())
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).json()["count"] == 5
    assert len(five) == len(one)


@pytest.mark.parametrize("name", SEES_INCIDENT)
def test_upload(personas: Personas, incident: Incident, name: str) -> None:
    client = api_client_for(personas.by_name(name))
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/evidence",
        {"file": upload("cap.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 40), "description": "Capture"},
    )
    if name in MAY_UPLOAD:
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["sniffed_type"], body["source"], body["description"]) == (
            "application/vnd.tcpdump.pcap",
            "api",
            "Capture",
        )
    else:
        assert response.status_code == (403 if SEES_INCIDENT[name] == 200 else 404)
        assert not Evidence.objects.exists()


def test_upload_refusal_is_a_problem_document(personas: Personas, incident: Incident) -> None:
    client = api_client_for(personas.cert_admin)
    url = f"/api/v1/incidents/{incident.pk}/evidence"
    bomb = zip_bytes({"z": b"\x00" * (3 * 1024 * 1024)})
    response = client.post(url, {"file": upload("z.zip", bomb, "application/zip")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    sealed = client.post(url, {"file": upload("z.zip", bomb, "application/zip"), "sealed": "true"})
    assert sealed.status_code == 201
    assert sealed.json()["flags"] == ["archive_bomb", "archive_sealed"]


def test_upload_needs_a_file_and_a_writing_token(personas: Personas, incident: Incident) -> None:
    url = f"/api/v1/incidents/{incident.pk}/evidence"
    assert api_client_for(personas.cert_admin).post(url, {}).status_code == 422
    read_only = api_client_for(personas.cert_admin, scope="read")
    assert read_only.post(url, {"file": upload()}).status_code == 403


@pytest.mark.parametrize(("name", "status"), SEES_INCIDENT.items())
def test_get_download_and_custody(
    personas: Personas, evidence: Evidence, name: str, status: int
) -> None:
    client = api_client_for(personas.by_name(name))
    got = client.get(f"/api/v1/evidence/{evidence.pk}")
    assert got.status_code == status
    download = client.get(f"/api/v1/evidence/{evidence.pk}/download")
    assert download.status_code == status
    custody = client.get(f"/api/v1/evidence/{evidence.pk}/custody")
    assert custody.status_code == status
    if status == 200:
        assert got.json()["safe_name"] == "notes.txt"
        assert b"".join(download.streaming_content) == b"hello evidence\n"  # type: ignore[attr-defined]
        assert download["Content-Disposition"] == 'attachment; filename="notes.txt"'
        actions_seen = [event["action"] for event in custody.json()["results"]]
        assert actions_seen == ["received", "stored", "downloaded"]
