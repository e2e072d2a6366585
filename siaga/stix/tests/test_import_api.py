"""The ways into a STIX import (API, pages, command line, job) and the object pages/API, each
with and without permission."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import Personas, api_client_for, login
from siaga.jobs import actions as job_actions
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job
from siaga.sharing.choices import TLP
from siaga.stix.actions import upload_dir
from siaga.stix.importer import SharingLabels, import_objects
from siaga.stix.models import StixObject

pytestmark = pytest.mark.django_db

IND = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def indicator(stix_id: str = IND, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        **extra,
    }


def bundle(*objects: Any) -> bytes:
    return json.dumps({"type": "bundle", "id": "bundle--1", "objects": list(objects)}).encode()


def imports_url(**query: Any) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return "/api/v1/stix/imports" + (f"?{params}" if params else "")


# --- API: imports -----------------------------------------------------------------------------------


def test_api_imports_a_small_bundle_at_once(personas: Personas):
    client = api_client_for(personas.cert_analyst)
    url = imports_url(tlp="green", distribution="constituents")
    response = client.post(url, bundle(indicator()), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 1
    stored = StixObject.objects.get()
    assert (stored.tlp, stored.organization, stored.created_by) == (
        TLP.GREEN,
        personas.orgs.cert,
        personas.cert_analyst,
    )
    assert AuditEntry.objects.filter(object_type="stix.import").exists()


def test_api_reports_refused_objects_with_207_and_unreadable_bundles_with_400(
    personas: Personas,
):
    client = api_client_for(personas.cert_analyst)
    partly = client.post(
        imports_url(), bundle(indicator(), {"type": "indicator"}), content_type="application/json"
    )
    assert partly.status_code == 207
    assert partly.json()["failures"][0]["index"] == 1
    broken = client.post(
        imports_url(),
        b'{"type": "bundle", "objects": [',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",  # a token client without this gets Indonesian, the default
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["failures"][0]["message"]


def test_api_refuses_contradicting_labels_and_other_content(personas: Personas):
    client = api_client_for(personas.cert_analyst)
    contradicting = client.post(
        imports_url(tlp="red", distribution="public"), bundle(), content_type="application/json"
    )
    assert contradicting.status_code == 422
    assert "distribution" in contradicting.content.decode()
    wrong_type = client.post(imports_url(), b"x", content_type="text/plain")
    assert wrong_type.status_code == 415


def test_api_refuses_importers_without_permission(personas: Personas):
    outsider = api_client_for(personas.outsider)
    response = outsider.post(imports_url(), bundle(indicator()), content_type="application/json")
    assert response.status_code == 403
    assert not StixObject.objects.exists()
    # A hospital admin may import for the hospital, not for the CERT.
    admin = api_client_for(personas.constituent_admin)
    other_org = admin.post(
        imports_url(organization=personas.orgs.cert.pk),
        bundle(indicator()),
        content_type="application/json",
    )
    assert other_org.status_code == 422
    assert "organization" in other_org.content.decode()
    assert not StixObject.objects.exists()


def test_api_file_upload_becomes_a_job_that_imports_it(personas: Personas, monkeypatch):
    monkeypatch.setattr(job_actions, "dispatch", lambda job_id: None)
    client = api_client_for(personas.cert_analyst)
    upload = SimpleUploadedFile("attack.json", bundle(indicator()), "application/json")
    response = client.post(
        imports_url(), {"file": upload, "tlp": "green", "distribution": "constituents"}
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job_id"])
    stored_file = upload_dir() / job.params["file"]
    assert stored_file.exists()
    execute_job(job_actions.claim_job(job.pk))
    job.refresh_from_db()
    assert job.status == "succeeded", job.log
    assert job.result["added"] == 1
    assert StixObject.objects.get().source == "attack.json"
    assert not stored_file.exists()


# --- API: objects -----------------------------------------------------------------------------------


def stored(personas: Personas, tlp: str = TLP.AMBER, distribution: str = "organization"):
    labels = SharingLabels(
        organization=personas.orgs.cert, tlp=tlp, distribution=distribution,
        created_by=personas.cert_analyst,
    )  # fmt: skip
    import_objects([indicator()], labels, source="t")
    return StixObject.objects.get()


def test_objects_api_lists_and_shows_what_the_caller_may_see(personas: Personas):
    obj = stored(personas)
    analyst = api_client_for(personas.cert_analyst)
    listed = analyst.get("/api/v1/stix/objects?type=indicator").json()
    assert [row["stix_id"] for row in listed["results"]] == [IND]
    detail = analyst.get(f"/api/v1/stix/objects/{obj.pk}").json()
    assert detail["object"]["pattern"] == "[domain-name:value = 'evil.example']"
    # TLP:AMBER for the CERT only: the hospital does not see it.
    hospital = api_client_for(personas.constituent_reporter)
    assert hospital.get("/api/v1/stix/objects").json()["count"] == 0
    assert hospital.get(f"/api/v1/stix/objects/{obj.pk}").status_code == 404
    assert analyst.get("/api/v1/stix/objects?id=indicator--nope").json()["count"] == 0


# --- pages ------------------------------------------------------------------------------------------


def test_import_page_imports_an_uploaded_bundle(client, personas: Personas):
    login(client, personas.cert_analyst)
    assert client.get(reverse("stix:import")).status_code == 200
    upload = SimpleUploadedFile("b.json", bundle(indicator(), {"x": 1}), "application/json")
    response = client.post(
        reverse("stix:import"),
        {"file": upload, "tlp": "green", "distribution": "constituents"},
    )
    assert response.status_code == 200
    assert response.context["result"].added == 1
    assert "The required property “type” is missing." in response.content.decode()


def test_import_page_needs_permission(client, personas: Personas):
    login(client, personas.outsider)
    assert client.get(reverse("stix:import")).status_code == 403


def test_object_pages_show_only_visible_objects(client, personas: Personas):
    obj = stored(personas)
    login(client, personas.cert_analyst)
    listing = client.get(reverse("stix:object-list"), {"q": "indicator--8e2e"})
    assert IND in listing.content.decode()
    detail = client.get(reverse("stix:object-detail", args=[obj.pk]))
    assert "evil.example" in detail.content.decode()
    login(client, personas.other_reporter)
    assert IND not in client.get(reverse("stix:object-list")).content.decode()
    assert client.get(reverse("stix:object-detail", args=[obj.pk])).status_code == 404


# --- command line -------------------------------------------------------------------------------------


def test_import_stix_command(personas: Personas, tmp_path: Path):
    path = tmp_path / "b.json"
    path.write_bytes(bundle(indicator()))
    out = StringIO()
    call_command(
        "import_stix", str(path), "--organization", personas.orgs.cert.name, "--tlp", "clear",
        "--distribution", "public", stdout=out,
    )  # fmt: skip
    assert "1 added" in out.getvalue()
    assert StixObject.objects.get().distribution == "public"


def test_api_refuses_a_body_over_the_limit(personas: Personas, monkeypatch):
    monkeypatch.setattr("siaga.stix.api.imports.SYNC_MAX_BYTES", 100)
    client = api_client_for(personas.cert_analyst)
    response = client.post(imports_url(), bundle(indicator()), content_type="application/json")
    assert response.status_code == 413
    assert "multipart" in response.json()["detail"]
    assert not StixObject.objects.exists()


@pytest.mark.parametrize("name", ["../etc/passwd", ".hidden", "", "a/b.json"])
def test_import_job_refuses_file_names_outside_its_folder(name: str):
    from siaga.stix.tasks import clean_import_params

    with pytest.raises(ValueError, match="uploaded bundle"):
        clean_import_params({"file": name, "organization": 1, "tlp": "clear",
                             "distribution": "public"})  # fmt: skip
