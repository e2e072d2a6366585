"""Reporters add evidence to their own report through the API while it waits for triage."""

from __future__ import annotations

import pytest

from siaga.core.testing import Personas, api_client_for
from siaga.evidence.tests.helpers import upload
from siaga.incidents.actions import check_triage_report
from siaga.incidents.models import Report

pytestmark = pytest.mark.django_db


def post_file(user, report: Report, name: str = "screenshot.png"):
    return api_client_for(user).post(
        f"/api/v1/reports/{report.pk}/evidence",
        {"file": upload(name=name), "description": "what I saw"},
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("constituent_reporter", 201),
        ("constituent_admin", 201),
        ("cert_analyst", 201),
        ("auditor", 403),
        ("other_reporter", 404),
        ("outsider", 404),
    ],
)
def test_who_may_add_evidence_to_a_new_report(personas: Personas, report: Report, persona, status):
    response = post_file(personas.by_name(persona), report)
    assert response.status_code == status, response.content
    listed = api_client_for(personas.cert_analyst).get(f"/api/v1/reports/{report.pk}/evidence")
    assert listed.json()["count"] == (1 if status == 201 else 0)


def test_after_triage_only_the_cert_adds_evidence(personas: Personas, report: Report):
    check_triage_report(personas.cert_analyst, report, "reject", reason="spam")
    assert post_file(personas.constituent_reporter, report).status_code == 403
    assert post_file(personas.cert_lead, report).status_code == 201


def test_the_reporter_lists_what_they_sent(personas: Personas, report: Report):
    post_file(personas.constituent_reporter, report, name="log.txt")
    body = (
        api_client_for(personas.constituent_reporter)
        .get(f"/api/v1/reports/{report.pk}/evidence")
        .json()
    )
    assert [row["original_name"] for row in body["results"]] == ["log.txt"]
    assert (
        api_client_for(personas.other_reporter)
        .get(f"/api/v1/reports/{report.pk}/evidence")
        .status_code
        == 404
    )
