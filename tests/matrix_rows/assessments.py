"""Permission-matrix rows of security assessments: frameworks are read by the CERT's staff, the
coordination group's members and auditors, and added by the CERT's leads and administrators;
campaigns are the CERT's (auditors read them); a constituent's assessment is seen by its own people
and the CERT's staff and auditors, answered by its administrator, and reviewed by the CERT."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from siaga.assessments import actions
from siaga.assessments.actions.answering import Entry, check_save_answers
from siaga.assessments.models import Assessment
from siaga.assessments.tests.conftest import make_campaign, small_framework
from siaga.core.testing import Personas
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

READS_FRAMEWORKS = CERT_STAFF | {"coord_member", "auditor"}
ADDS_FRAMEWORKS = frozenset({"cert_admin", "cert_lead"})
READS_CAMPAIGNS = CERT_STAFF | {"auditor"}
SEES_HOSPITAL_ASSESSMENT = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}
ANSWERS = frozenset({"constituent_admin"})


def rows(personas: Personas) -> dict[str, Any]:
    framework = small_framework()
    campaign = make_campaign(personas, framework, organizations=[personas.orgs.hospital])
    actions.check_send(personas.cert_lead, campaign)
    assessment = Assessment.objects.get(campaign=campaign)
    evidence = SimpleUploadedFile("policy.txt", b"Our patching policy.\n", "text/plain")
    check_save_answers(
        personas.constituent_admin,
        assessment,
        {
            "A.1": Entry(value="yes", comment="See the policy."),
            "A.2": Entry(value="partly"),
            "B.1": Entry(value="no"),
        },
        {"A.1": evidence},
    )
    return {
        "assessment_framework_id": framework.pk,
        "assessment_campaign_id": campaign.pk,
        "assessment_id": assessment.pk,
    }


def _framework(w: Any) -> list[Any]:
    return [w.extra["assessment_framework_id"]]


def _campaign(w: Any) -> list[Any]:
    return [w.extra["assessment_campaign_id"]]


def _assessment(w: Any) -> list[Any]:
    return [w.extra["assessment_id"]]


def _assessment_params(w: Any) -> dict[str, Any]:
    return {"id": w.extra["assessment_id"]}


PAGES = [
    Page("assessments:index", IN_AN_ORGANIZATION),
    Page("assessments:frameworks", READS_FRAMEWORKS),
    Page("assessments:framework", READS_FRAMEWORKS, args=_framework),
    Page("assessments:framework-upload", ADDS_FRAMEWORKS),
    Page("assessments:campaign-create", CERT_STAFF),
    Page("assessments:campaign", READS_CAMPAIGNS, args=_campaign),
    Page("assessments:answer", SEES_HOSPITAL_ASSESSMENT, args=_assessment),
    Page("assessments:review", CERT_STAFF, args=_assessment),
    Page("assessments:result", SEES_HOSPITAL_ASSESSMENT, args=_assessment),
    Page("assessments:result-pdf", SEES_HOSPITAL_ASSESSMENT, args=_assessment),
    Page(
        "assessments:evidence",
        SEES_HOSPITAL_ASSESSMENT,
        args=lambda w: [w.extra["assessment_id"], "A.1"],
    ),
    # Sending again, closing, returning and accepting an assessment not yet submitted are
    # refused with a message (a redirect) for the CERT's staff, and not reached by anyone else.
    Page("assessments:campaign-send", CERT_STAFF, method="post", args=_campaign),
    Page("assessments:campaign-close", CERT_STAFF, method="post", args=_campaign),
    Page("assessments:review-return", CERT_STAFF, method="post", args=_assessment),
    Page("assessments:review-accept", CERT_STAFF, method="post", args=_assessment),
    # Every question is answered: the hospital's administrator submits; the others cannot.
    Page("assessments:submit", ANSWERS, method="post", args=_assessment),
    # A review comment: the CERT's staff only (the others are refused before anything is read).
    Page(
        "assessments:review-comment",
        CERT_STAFF,
        method="post",
        args=_assessment,
        data={"comment": "Matrix.", "question_id": "A.1"},
    ),
]

OPERATIONS = [
    Operation("get", "/api/v1/assessments/frameworks", READS_FRAMEWORKS),
    Operation("get", "/api/v1/assessments/campaigns", READS_CAMPAIGNS),
    # Everyone in an organization lists their own; only the hospital's people have one.
    Operation(
        "get",
        "/api/v1/assessments/mine",
        IN_AN_ORGANIZATION,
        empty_for=IN_AN_ORGANIZATION - {"constituent_admin", "constituent_reporter"},
    ),
    Operation(
        "get", "/api/v1/assessments/{id}", SEES_HOSPITAL_ASSESSMENT, params=_assessment_params
    ),
    Operation(
        "put",
        "/api/v1/assessments/{id}/answers",
        ANSWERS,
        params=_assessment_params,
        body={"answers": [{"question_id": "A.1", "value": "yes", "comment": "Matrix."}]},
    ),
    Operation("post", "/api/v1/assessments/{id}/submit", ANSWERS, params=_assessment_params),
]
