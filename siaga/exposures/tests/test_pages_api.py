"""The findings pages and API: who sees what, filters, remediation tracking, starting a run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for, login
from siaga.exposures.actions import do_match_all
from siaga.exposures.models import Finding, FindingChange
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability
from siaga.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(personas: Any) -> dict[str, Finding]:
    kev = make_vulnerability("CVE-2025-3001", in_kev=True)
    plain = make_vulnerability("CVE-2025-3002")
    make_product(kev, vendor="Contoso", product="Gateway")
    make_product(plain, vendor="Fabrikam", product="PACS", versions="<= 4.0")
    make_item(personas.orgs.hospital, vendor="Contoso", product="Gateway", version="1.0")
    make_item(personas.orgs.other_hospital, vendor="Fabrikam", product="PACS", version="3.9")
    do_match_all(notify=False)
    return {
        "mine": Finding.objects.get(organization=personas.orgs.hospital),
        "theirs": Finding.objects.get(organization=personas.orgs.other_hospital),
    }


def test_list_page_scopes_and_filters(client: Any, personas: Any, findings: dict) -> None:
    login(client, personas.constituent_reporter)
    page = client.get("/exposures/").content.decode()
    assert "CVE-2025-3001" in page and "CVE-2025-3002" not in page
    login(client, personas.cert_analyst)
    page = client.get("/exposures/").content.decode()
    assert "CVE-2025-3001" in page and "CVE-2025-3002" in page
    page = client.get("/exposures/", {"kev": "yes"}).content.decode()
    assert "CVE-2025-3001" in page and "CVE-2025-3002" not in page
    page = client.get("/exposures/", {"cve": "cve-2025-3002"}).content.decode()
    assert "CVE-2025-3001" not in page and "CVE-2025-3002" in page
    Finding.objects.filter(pk=findings["theirs"].pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    page = client.get("/exposures/", {"overdue": "yes"}).content.decode()
    assert "CVE-2025-3001" not in page and "CVE-2025-3002" in page
    other = personas.orgs.other_hospital.pk
    page = client.get("/exposures/", {"organization": other}).content.decode()
    assert "CVE-2025-3001" not in page


def test_detail_and_status_change_on_the_page(client: Any, personas: Any, findings: dict) -> None:
    mine, theirs = findings["mine"], findings["theirs"]
    login(client, personas.constituent_admin)
    assert client.get(f"/exposures/{theirs.pk}/").status_code == 404
    assert client.get(f"/exposures/{mine.pk}/").status_code == 200
    answer = client.post(
        f"/exposures/{mine.pk}/", {"status": "in_progress", "comment": "Vendor patch ordered."}
    )
    assert answer.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "in_progress"
    change = FindingChange.objects.get(finding=mine)
    assert (change.actor, change.old_status, change.new_status) == (
        personas.constituent_admin,
        "open",
        "in_progress",
    )
    assert AuditEntry.objects.filter(
        object_type="exposures.finding", object_id=str(mine.pk)
    ).exists()
    page = client.get(f"/exposures/{mine.pk}/").content.decode()
    assert "Vendor patch ordered." in page
    # The run's own status cannot be chosen by a person.
    answer = client.post(f"/exposures/{mine.pk}/", {"status": "resolved_unmatched"})
    assert answer.status_code == 200
    mine.refresh_from_db()
    assert mine.status == "in_progress"


def test_reporter_may_view_but_not_change(client: Any, personas: Any, findings: dict) -> None:
    login(client, personas.constituent_reporter)
    mine = findings["mine"]
    assert client.post(f"/exposures/{mine.pk}/", {"status": "remediated"}).status_code == 403
    assert (
        api_client_for(personas.constituent_reporter)
        .patch(
            f"/api/v1/findings/{mine.pk}", {"status": "remediated"}, content_type="application/json"
        )
        .status_code
        == 403
    )


def test_api_list_detail_patch(personas: Any, findings: dict) -> None:
    mine, theirs = findings["mine"], findings["theirs"]
    api = api_client_for(personas.constituent_admin)
    listed = api.get("/api/v1/findings").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["results"][0]["vulnerability"]["cve_id"] == "CVE-2025-3001"
    assert listed["results"][0]["in_kev"] is True
    assert api.get(f"/api/v1/findings/{theirs.pk}").status_code == 404
    answer = api.patch(
        f"/api/v1/findings/{mine.pk}",
        {"status": "remediated", "comment": "Firmware 2.1 installed."},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "remediated"
    assert body["changes"][-1]["comment"] == "Firmware 2.1 installed."
    assert body["changes"][-1]["actor_email"] == personas.constituent_admin.email
    bad = api.patch(
        f"/api/v1/findings/{mine.pk}",
        {"status": "resolved_unmatched"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    empty = api.patch(f"/api/v1/findings/{mine.pk}", {}, content_type="application/json")
    assert empty.status_code == 422
    cert = api_client_for(personas.cert_analyst)
    assert cert.get("/api/v1/findings", {"kev": "false"}).json()["count"] == 1
    assert cert.get("/api/v1/findings", {"cve": "CVE-2025-3001"}).json()["count"] == 1
    assert cert.get("/api/v1/findings", {"status": "remediated"}).json()["count"] == 1


def test_api_match_starts_a_job(personas: Any) -> None:
    answer = api_client_for(personas.cert_analyst).post(
        "/api/v1/findings/match", {}, content_type="application/json"
    )
    assert answer.status_code == 202
    job = Job.objects.get(pk=answer.json()["job"])
    assert job.kind == "exposures.match" and job.params == {}
    one = api_client_for(personas.cert_analyst).post(
        "/api/v1/findings/match",
        {"organization": personas.orgs.hospital.pk},
        content_type="application/json",
    )
    assert Job.objects.get(pk=one.json()["job"]).params == {
        "organization": personas.orgs.hospital.pk
    }
    missing = api_client_for(personas.cert_analyst).post(
        "/api/v1/findings/match", {"organization": 999999}, content_type="application/json"
    )
    assert missing.status_code == 422
    refused = api_client_for(personas.constituent_admin).post(
        "/api/v1/findings/match", {}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_page_match_button(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    answer = client.post("/exposures/match/")
    assert answer.status_code == 302
    assert Job.objects.filter(kind="exposures.match").exists()
    login(client, personas.constituent_admin)
    assert client.post("/exposures/match/").status_code in {302, 403}
    assert Job.objects.filter(kind="exposures.match").count() == 1


def test_outsider_sees_nothing(client: Any, personas: Any, findings: dict) -> None:
    login(client, personas.outsider)
    assert client.get("/exposures/").status_code == 403
    assert api_client_for(personas.outsider).get("/api/v1/findings").status_code == 403
