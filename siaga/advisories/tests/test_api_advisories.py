"""The advisories API: writing, the workflow with clear 4xx errors, recipients and answers, and a
draft from a vendor advisory."""

from __future__ import annotations

import json

import pytest

from siaga.advisories import actions
from siaga.advisories.tests.conftest import V3, advisory_data, publish
from siaga.core.testing import api_client_for
from siaga.vulns.models import VendorAdvisory

pytestmark = pytest.mark.django_db


def _post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_create_get_patch(personas):
    client = api_client_for(personas.cert_analyst)
    body = advisory_data()
    response = _post(client, "/api/v1/advisories", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["tracking_id"].startswith("SIAGA-ADV-")
    assert created["working_copy"] is True
    assert created["cves"][0]["cvss3_score"] == 9.8
    assert created["texts"]["id"]["title"] == body["title_id"]
    response = _patch(client, f"/api/v1/advisories/{created['id']}", {"summary_en": "Changed"})
    assert response.status_code == 200
    assert response.json()["lagging_language"] == "id"
    listing = client.get("/api/v1/advisories").json()
    assert listing["count"] == 1 and listing["results"][0]["title"] == body["title_en"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tlp": "red"}, "tlp"),
        ({"tlp": "purple"}, "tlp"),
        ({"cves": [{"cve_id": "CVE-2026-1", "cvss3_vector": "CVSS:3.1/AV:Q"}]}, "cves"),
        ({"references": [{"url": "javascript:alert(1)"}]}, "references"),
        ({"target_provinces": ["99"]}, "target_provinces"),
        ({"status": "published"}, "status"),
        ({"incidents": [123456]}, "incidents"),
        ({"target_organizations": [999999]}, "target_organizations"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(personas, body, field):
    client = api_client_for(personas.cert_analyst)
    response = _post(client, "/api/v1/advisories", advisory_data(**body))
    assert 400 <= response.status_code < 500, response.content
    problem = response.json()
    text = json.dumps(problem)
    assert field in text
    if body.get("tlp") == "red":
        assert "AMBER+STRICT" in problem["detail"] + text


def test_workflow_over_the_api(personas):
    analyst = api_client_for(personas.cert_analyst)
    lead = api_client_for(personas.cert_lead)
    created = _post(analyst, "/api/v1/advisories", advisory_data()).json()
    base = f"/api/v1/advisories/{created['id']}"
    # Illegal: approve a draft.
    response = _post(lead, base + "/approve")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    assert "Only an advisory in review" in response.json()["errors"][0]["message"]
    assert _post(analyst, base + "/submit").json()["status"] == "in_review"
    # The analyst may not approve; the lead may.
    assert _post(analyst, base + "/approve").status_code == 403
    response = _post(lead, base + "/return", {"comment": ""})
    assert response.status_code == 422
    assert _post(lead, base + "/return", {"comment": "Fix the title"}).json()["status"] == "draft"
    _post(analyst, base + "/submit")
    published = _post(lead, base + "/approve").json()
    assert published["status"] == "published" and published["version"] == 1
    assert published["revisions"][0]["version"] == 1
    withdrawn = _post(lead, base + "/withdraw", {"reason": "Retracted"}).json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_reason"] == "Retracted"


def test_four_eyes_over_the_api(personas):
    lead = api_client_for(personas.cert_lead)
    created = _post(lead, "/api/v1/advisories", advisory_data()).json()
    _post(lead, f"/api/v1/advisories/{created['id']}/submit")
    response = _post(lead, f"/api/v1/advisories/{created['id']}/approve")
    assert response.status_code == 403 and "Four eyes" in response.json()["detail"]


def test_constituent_reads_the_revision_and_answers(personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(
            target_inventory=False,
            target_organizations=[personas.orgs.hospital.pk, personas.orgs.other_hospital.pk],
        ),
    )
    publish(personas, advisory)
    actions.check_update_advisory(personas.cert_analyst, advisory, {"title_en": "Secret edit"})
    reporter = api_client_for(personas.constituent_reporter)
    got = reporter.get(f"/api/v1/advisories/{advisory.pk}").json()
    assert got["working_copy"] is False
    assert got["texts"]["en"]["title"] == "Vulnerability in Contoso patient monitors"
    assert got["target_organizations"] == [] and got["incidents"] == []
    listing = reporter.get("/api/v1/advisories", {"q": "Secret"}).json()
    assert listing["count"] == 0  # the working copy's title cannot be probed
    assert reporter.get("/api/v1/advisories").json()["results"][0]["title"] != "Secret edit"
    # Its own row only.
    rows = reporter.get(f"/api/v1/advisories/{advisory.pk}/recipients").json()
    assert [row["organization"]["id"] for row in rows["results"]] == [personas.orgs.hospital.pk]
    response = _post(reporter, f"/api/v1/advisories/{advisory.pk}/answer", {"answer": "patched"})
    assert response.status_code == 200 and response.json()["answer"] == "patched"
    response = _post(reporter, f"/api/v1/advisories/{advisory.pk}/answer", {"answer": "nope"})
    assert response.status_code == 422
    response = _post(reporter, f"/api/v1/advisories/{advisory.pk}/answer", {"answer": "need_help"})
    assert response.status_code == 422 and "comment" in response.content.decode()
    # Answering for another organization: refused.
    response = _post(
        reporter,
        f"/api/v1/advisories/{advisory.pk}/answer",
        {"answer": "patched", "organization": personas.orgs.other_hospital.pk},
    )
    assert response.status_code in (403, 422)
    assert _post(reporter, f"/api/v1/advisories/{advisory.pk}/submit").status_code == 403
    cert = api_client_for(personas.cert_analyst)
    rows = cert.get(f"/api/v1/advisories/{advisory.pk}/recipients").json()["results"]
    assert {row["answer"] for row in rows} == {"patched", ""}


def test_unpublished_advisories_are_404_to_constituents(personas, draft):
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(f"/api/v1/advisories/{draft.pk}").status_code == 404
    assert (
        _post(reporter, f"/api/v1/advisories/{draft.pk}/answer", {"answer": "patched"}).status_code
        == 404
    )


def test_draft_from_vendor_advisory(personas):
    vendor = VendorAdvisory.objects.create(
        publisher_name="Contoso",
        publisher_namespace="https://contoso.example",
        tracking_id="C-1",
        title="Contoso Monitor",
        category="csaf_security_advisory",
        document={
            "document": {"notes": [{"category": "summary", "text": "Patch now."}]},
            "vulnerabilities": [
                {"cve": "CVE-2026-1234", "scores": [{"cvss_v3": {"vectorString": V3}}]}
            ],
        },
        sha256="0" * 64,
    )
    response = _post(
        api_client_for(personas.cert_analyst),
        f"/api/v1/vendor-advisories/{vendor.pk}/draft-advisory",
    )
    assert response.status_code == 201
    draft = response.json()
    assert draft["texts"]["en"]["summary"] == "Patch now." and draft["lagging_language"] == "id"
    assert (
        _post(
            api_client_for(personas.cert_analyst), "/api/v1/vendor-advisories/999999/draft-advisory"
        ).status_code
        == 404
    )
    assert (
        _post(
            api_client_for(personas.constituent_admin),
            f"/api/v1/vendor-advisories/{vendor.pk}/draft-advisory",
        ).status_code
        == 403
    )
