"""The API: frameworks, campaigns, my assessments, one assessment, saving answers, submitting."""

from __future__ import annotations

import pytest

from siaga.assessments.choices import AssessmentStatus
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments"


def _get(personas, name, path):
    return api_client_for(personas.by_name(name)).get(BASE + path)


def test_frameworks_for_staff_members_and_auditors(personas, framework):
    for name in ("cert_analyst", "coord_member", "auditor"):
        response = _get(personas, name, "/frameworks")
        assert response.status_code == 200, name
        assert "small-test" in {row["slug"] for row in response.json()["results"]}
    for name in ("constituent_admin", "outsider"):
        assert _get(personas, name, "/frameworks").status_code == 403, name


def test_campaigns_for_the_cert_and_auditors(personas, sent):
    assert _get(personas, "cert_lead", "/campaigns").json()["count"] == 1
    assert _get(personas, "auditor", "/campaigns").status_code == 200
    assert _get(personas, "constituent_admin", "/campaigns").status_code == 403


def test_my_assessments_are_my_organizations_only(personas, sent):
    rows = _get(personas, "constituent_admin", "/mine").json()["results"]
    assert [row["organization"]["name"] for row in rows] == ["Test Hospital"]
    assert _get(personas, "cert_lead", "/mine").json()["count"] == 0
    assert _get(personas, "outsider", "/mine").status_code == 403


def test_one_assessment_by_persona(personas, assessment):
    path = f"/{assessment.pk}"
    for name in ("cert_analyst", "auditor", "constituent_admin", "constituent_reporter"):
        assert _get(personas, name, path).status_code == 200, name
    for name in ("other_reporter", "coord_member", "outsider"):
        assert _get(personas, name, path).status_code in (403, 404), name


def test_save_answers_then_submit(personas, assessment):
    client = api_client_for(personas.constituent_admin)
    url = f"{BASE}/{assessment.pk}/answers"
    response = client.put(
        url,
        {"answers": [{"question_id": "A.1", "value": "yes"}, {"question_id": "A.2", "value": "x"}]},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert "A.2" in response.content.decode()
    assert not assessment.answers.exists()
    answers = [{"question_id": q, "value": "yes"} for q in ("A.1", "A.2", "B.1")]
    response = client.put(url, {"answers": answers}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["score"]["percent"] == 100.0 and len(body["answers"]) == 3
    response = client.post(f"{BASE}/{assessment.pk}/submit")
    assert response.status_code == 200 and response.json()["status"] == AssessmentStatus.SUBMITTED


def test_reporter_may_not_save(personas, assessment):
    client = api_client_for(personas.constituent_reporter)
    response = client.put(
        f"{BASE}/{assessment.pk}/answers",
        {"answers": [{"question_id": "A.1", "value": "yes"}]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not assessment.answers.exists()
