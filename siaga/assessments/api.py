"""API of assessments: frameworks, campaigns (the CERT), a constituent's assessments, one
assessment with its answers and score, and saving answers (the same checks as the page).

Refusals answer with problem documents (``siaga.core.apitools``): 403 ``permission-denied``, 404
for an assessment the caller may not see, 400/422 ``validation-error`` naming each question."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.assessments import actions
from siaga.assessments.choices import AssessmentStatus, CampaignStatus
from siaga.assessments.models import Assessment
from siaga.assessments.scoring import pick, score
from siaga.core.apitools import ObjectId, Page, Text
from siaga.organizations.api import OrganizationRef

router = Router(tags=["assessments"])


class AssessmentFrameworkOut(Schema):
    id: int
    slug: str
    version: str
    name_en: str
    name_id: str
    question_count: int


class AssessmentCampaignOut(Schema):
    id: int
    name: str
    framework: AssessmentFrameworkOut
    deadline: date
    status: CampaignStatus
    sent_at: datetime | None
    closed_at: datetime | None


class AssessmentSummaryOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    organization: OrganizationRef
    status: AssessmentStatus
    deadline: date
    submitted_at: datetime | None
    accepted_at: datetime | None
    score_percent: float | None

    # From a row (the lists) or from the dict ``_out`` builds (one assessment).
    @staticmethod
    def resolve_campaign_name(obj: Assessment | dict[str, Any]) -> str:
        return obj["campaign_name"] if isinstance(obj, dict) else obj.campaign.name

    @staticmethod
    def resolve_deadline(obj: Assessment | dict[str, Any]) -> date:
        return obj["deadline"] if isinstance(obj, dict) else obj.campaign.deadline


class AssessmentAnswerOut(Schema):
    question_id: str
    value: str
    comment: str
    evidence_name: str


class AssessmentAreaScoreOut(Schema):
    area_id: str
    name: str
    percent: float


class AssessmentScoreOut(Schema):
    percent: float
    maturity: str
    result: str
    category: str
    areas: list[AssessmentAreaScoreOut]
    gap_question_ids: list[str]


class AssessmentDetailOut(AssessmentSummaryOut):
    framework: AssessmentFrameworkOut
    answers: list[AssessmentAnswerOut]
    score: AssessmentScoreOut


class AssessmentAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    question_id: Text = Field(max_length=40)
    value: Text = Field("", max_length=40, description="A value of the answer scale; empty: none.")
    comment: Text = Field("", max_length=5000)


class AssessmentAnswersIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answers: list[AssessmentAnswerIn] = Field(max_length=2000)


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied(_("You may not do this."))


def _language() -> str:
    return (get_language() or "id").split("-")[0]


def _out(assessment: Assessment) -> dict[str, Any]:
    definition = actions.definition_of(assessment)
    result = score(definition, actions.values_of(assessment))
    language = _language()
    label = lambda level: pick(level.label, language) if level else ""  # noqa: E731
    return {
        "id": assessment.pk,
        "campaign_id": assessment.campaign_id,
        "campaign_name": assessment.campaign.name,
        "organization": assessment.organization,
        "status": assessment.status,
        "deadline": assessment.campaign.deadline,
        "submitted_at": assessment.submitted_at,
        "accepted_at": assessment.accepted_at,
        "score_percent": assessment.score_percent,
        "framework": assessment.campaign.framework,
        "answers": list(assessment.answers.order_by("question_id")),
        "score": {
            "percent": result.percent,
            "maturity": label(result.maturity),
            "result": label(result.result),
            "category": label(result.category),
            "areas": [
                {"area_id": area.id, "name": pick(area.name, language), "percent": percent}
                for area in definition.areas
                if (percent := result.area_percents.get(area.id)) is not None
            ],
            "gap_question_ids": [gap.question.id for gap in result.gaps],
        },
    }


@router.get(
    "/assessments/frameworks",
    response=list[AssessmentFrameworkOut],
    operation_id="assessments_frameworks_list",
    summary="List framework versions",
)
@paginate(Page)
def list_frameworks(request: HttpRequest) -> Any:
    _require(request, "framework.view")
    actions.ensure_builtins_once()
    return actions.visible_frameworks(request.user).order_by("slug", "version", "pk")


@router.get(
    "/assessments/campaigns",
    response=list[AssessmentCampaignOut],
    operation_id="assessments_campaigns_list",
    summary="List campaigns (the CERT)",
)
@paginate(Page)
def list_campaigns(request: HttpRequest) -> Any:
    _require(request, "campaign.view")
    return actions.visible_campaigns(request.user).order_by("-created_at", "-pk")


@router.get(
    "/assessments/mine",
    response=list[AssessmentSummaryOut],
    operation_id="assessments_mine_list",
    summary="List the assessments sent to my organization",
)
@paginate(Page)
def list_my_assessments(request: HttpRequest) -> Any:
    """Those of the caller's own organizations (for the CERT too: only its own, usually none)."""
    _require(request, "assessment.view")
    mine = principal_for(request.user).scopes("assessment.view").org_ids
    return (
        actions.visible_assessments(request.user)
        .filter(organization_id__in=sorted(mine))
        .order_by("-campaign__deadline", "pk")
    )


@router.get(
    "/assessments/{id}",
    response=AssessmentDetailOut,
    operation_id="assessments_get",
    summary="Get an assessment with its answers and score",
)
def get_assessment(request: HttpRequest, id: ObjectId) -> Any:
    return _out(actions.access_assessment(request.user, id))


@router.put(
    "/assessments/{id}/answers",
    response=AssessmentDetailOut,
    operation_id="assessments_answers_save",
    summary="Save answers as a draft (the constituent's administrator)",
)
def save_answers(request: HttpRequest, id: ObjectId, payload: AssessmentAnswersIn) -> Any:
    """Only the questions given change; all or nothing. Evidence files are added in the portal."""
    assessment = actions.access_assessment(request.user, id)
    entries = {
        item.question_id: actions.Entry(item.value, item.comment) for item in payload.answers
    }
    actions.check_save_answers(request.user, assessment, entries)
    return _out(actions.access_assessment(request.user, id))


@router.post(
    "/assessments/{id}/submit",
    response=AssessmentDetailOut,
    operation_id="assessments_submit",
    summary="Submit an assessment (every question answered)",
)
def submit_assessment(request: HttpRequest, id: ObjectId) -> Any:
    assessment = actions.access_assessment(request.user, id)
    actions.check_submit(request.user, assessment)
    return _out(actions.access_assessment(request.user, id))
