"""API of the risk register: list (filters), read, create, change, and record a review.

The handlers parse and call ``siaga.risks.actions``, which hold the rules (the same as the pages');
a risk outside the caller's scope is a 404, a change without ``risk.change`` on it a 403.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.assessments.models import Assessment
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.exposures.models import Finding
from siaga.incidents.models import Incident
from siaga.organizations.api import OrganizationRef, UserRef
from siaga.risks import actions, inputs
from siaga.risks.choices import RiskCategory, RiskRatingKind, RiskStatus, RiskTreatment
from siaga.risks.filters import risk_filter_q
from siaga.risks.models import MAX_REVIEW_CYCLE_DAYS, Risk, RiskRating
from siaga.risks.scale import MAX_STEPS, get_scale

router = Router(tags=["risks"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Rating = Annotated[int, Field(ge=1, le=MAX_STEPS)]
Links = Annotated[list[Id], Field(max_length=inputs.MAX_LINKS)]


class RiskRatingOut(Schema):
    kind: RiskRatingKind
    likelihood: int
    impact: int
    score: int
    level: str | None = Field(description="The level's key on the configured scale.")
    reason: str
    actor_email: str | None
    created_at: datetime

    @staticmethod
    def resolve_level(obj: RiskRating) -> str | None:
        return obj.level.key if obj.level else None

    @staticmethod
    def resolve_actor_email(obj: RiskRating) -> str | None:
        return obj.actor.email if obj.actor_id else None  # type: ignore[union-attr]


class RiskReviewOut(Schema):
    reviewed_at: datetime
    reviewer_email: str | None
    notes: str
    next_review_date: date

    @staticmethod
    def resolve_reviewer_email(obj: Any) -> str | None:
        return obj.reviewer.email if obj.reviewer_id else None


class RiskOut(Schema):
    id: int
    organization: OrganizationRef | None = Field(description="Null for a sector-level risk.")
    title: str
    category: RiskCategory
    asset: str
    inventory_item_id: int | None
    assessment_id: int | None = Field(description="The assessment whose results showed the risk.")
    owner: UserRef | None
    inherent_likelihood: int
    inherent_impact: int
    inherent_score: int
    inherent_level: str | None = Field(description="The level's key on the configured scale.")
    residual_likelihood: int
    residual_impact: int
    residual_score: int
    residual_level: str | None = Field(description="The level's key on the configured scale.")
    treatment: RiskTreatment
    status: RiskStatus
    due_date: date | None
    review_cycle_days: int
    next_review_date: date | None
    last_reviewed_at: datetime | None
    review_overdue: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_assessment_id(obj: Risk, context: Any) -> int | None:
        if obj.assessment_id is None:
            return None
        visible = Assessment.objects.restrict(context["request"].user, "view")
        return obj.assessment_id if visible.filter(pk=obj.assessment_id).exists() else None

    @staticmethod
    def resolve_inherent_level(obj: Risk) -> str | None:
        return obj.inherent_level.key if obj.inherent_level else None

    @staticmethod
    def resolve_residual_level(obj: Risk) -> str | None:
        return obj.residual_level.key if obj.residual_level else None


class RiskDetailOut(RiskOut):
    description: str
    threat: str
    vulnerability: str
    treatment_plan: str
    incidents: list[int] = Field(description="Linked incidents you may see.")
    findings: list[int] = Field(description="Linked exposure findings you may see.")
    ratings: list[RiskRatingOut] = Field(description="Every rating given, oldest first.")
    reviews: list[RiskReviewOut] = Field(description="The reviews, newest first.")

    @staticmethod
    def resolve_incidents(obj: Risk, context: Any) -> list[int]:
        visible = Incident.objects.restrict(context["request"].user, "view").values("pk")
        return list(obj.incidents.filter(pk__in=visible).values_list("pk", flat=True))

    @staticmethod
    def resolve_findings(obj: Risk, context: Any) -> list[int]:
        visible = Finding.objects.restrict(context["request"].user, "view").values("pk")
        return list(obj.findings.filter(pk__in=visible).values_list("pk", flat=True))

    @staticmethod
    def resolve_ratings(obj: Risk) -> list[Any]:
        return list(obj.ratings.select_related("actor").order_by("created_at", "pk"))

    @staticmethod
    def resolve_reviews(obj: Risk) -> list[Any]:
        return list(obj.reviews.select_related("reviewer").order_by("-reviewed_at", "-pk"))


class RiskFilter(Schema):
    level: Text = optional(max_length=30, description="The residual level's key, e.g. high.")
    status: RiskStatus = optional()
    category: RiskCategory = optional()
    organization: int = optional(ge=1, le=MAX_ID, description="Only this constituent's risks.")
    sector: bool = optional(description="Only sector-level risks (true) or only constituents'.")
    owner: int = optional(ge=1, le=MAX_ID, description="Only risks this user owns.")
    overdue: bool = optional(description="Risks whose review is overdue (true) or not.")
    q: Text = optional(max_length=200, description="Words of the title, asset or description.")


_DESCRIPTIONS = {
    "likelihood": "From 1 to the number of likelihood steps of the scale (5 by default).",
    "impact": "From 1 to the number of impact steps of the scale (5 by default).",
}


class RiskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization: int | None = Field(
        None, ge=1, le=MAX_ID, description="The constituent; null for a sector-level risk."
    )
    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=10000)
    asset: Text = Field("", max_length=300)
    inventory_item: int | None = Field(None, ge=1, le=MAX_ID)
    category: RiskCategory
    threat: Text = Field("", max_length=5000)
    vulnerability: Text = Field("", max_length=5000)
    owner: int | None = Field(None, ge=1, le=MAX_ID)
    inherent_likelihood: Rating = Field(description=_DESCRIPTIONS["likelihood"])
    inherent_impact: Rating = Field(description=_DESCRIPTIONS["impact"])
    residual_likelihood: Rating = Field(description=_DESCRIPTIONS["likelihood"])
    residual_impact: Rating = Field(description=_DESCRIPTIONS["impact"])
    rating_reason: Text = Field("", max_length=2000)
    treatment: RiskTreatment = RiskTreatment.MITIGATE
    treatment_plan: Text = Field("", max_length=10000)
    due_date: date | None = None
    status: RiskStatus = RiskStatus.OPEN
    review_cycle_days: int = Field(90, ge=1, le=MAX_REVIEW_CYCLE_DAYS)
    next_review_date: date | None = Field(None, description="Null: one review cycle from today.")
    incidents: Links = Field(default_factory=list)
    findings: Links = Field(default_factory=list)
    assessment: int | None = Field(None, ge=1, le=MAX_ID)


class RiskPatch(Schema):
    """The fields to change; a changed rating needs ``rating_reason``."""

    model_config = ConfigDict(extra="forbid")

    title: Text = optional(min_length=1, max_length=200)
    description: Text = optional(max_length=10000)
    asset: Text = optional(max_length=300)
    inventory_item: int | None = Field(None, ge=1, le=MAX_ID)
    category: RiskCategory = optional()
    threat: Text = optional(max_length=5000)
    vulnerability: Text = optional(max_length=5000)
    owner: int | None = Field(None, ge=1, le=MAX_ID)
    inherent_likelihood: Rating = optional(description=_DESCRIPTIONS["likelihood"])
    inherent_impact: Rating = optional(description=_DESCRIPTIONS["impact"])
    residual_likelihood: Rating = optional(description=_DESCRIPTIONS["likelihood"])
    residual_impact: Rating = optional(description=_DESCRIPTIONS["impact"])
    rating_reason: Text = optional(max_length=2000)
    treatment: RiskTreatment = optional()
    treatment_plan: Text = optional(max_length=10000)
    due_date: date | None = None
    status: RiskStatus = optional()
    review_cycle_days: int = optional(ge=1, le=MAX_REVIEW_CYCLE_DAYS)
    next_review_date: date | None = None
    incidents: Links = optional()
    findings: Links = optional()
    assessment: int | None = Field(None, ge=1, le=MAX_ID)


class RiskReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    notes: Text = Field("", max_length=5000, description="What was checked and concluded.")
    next_review_date: date | None = Field(
        None, description="After today; null: one review cycle from today."
    )


def _require_view(request: HttpRequest) -> None:
    if not principal_for(request.user).has_perm("risk.view"):
        raise PermissionDenied(_("You may not see risks."))


def _filter_values(filters: RiskFilter) -> dict[str, Any]:
    values = filters.model_dump(exclude_none=True)
    level = values.get("level")
    if level and get_scale().level_by_key(level) is None:
        keys = ", ".join(level.key for level in get_scale().levels)
        raise ValidationError({"level": _("Choose one of: %(choices)s.") % {"choices": keys}})
    sector = values.pop("sector", None)
    if sector is True:
        values["organization"] = "sector"
    return {"sector_only": sector, **values}


@router.get("/risks", response=list[RiskOut], operation_id="risks_list", summary="List risks")
@paginate(Page)
def list_risks(request: HttpRequest, filters: Query[RiskFilter]) -> Any:
    """The risks you may see (a constituent: its own; the CERT, the coordination group and
    auditors: all), highest residual score first."""
    _require_view(request)
    values = _filter_values(filters)
    sector_only = values.pop("sector_only")
    risks = actions.visible_risks(request.user).filter(risk_filter_q(**values))
    if sector_only is False:
        risks = risks.filter(organization__isnull=False)
    return risks.order_by("-residual_score", "title", "pk")


@router.post(
    "/risks",
    response={201: RiskDetailOut},
    operation_id="risks_create",
    summary="Add a risk to the register",
)
def create_risk(request: HttpRequest, payload: RiskIn) -> Any:
    """Needs ``risk.add``: the CERT's staff (any constituent, or a sector-level risk), a
    constituent's administrator (its own constituent)."""
    risk = actions.check_create_risk(request.user, payload.model_dump())
    return Status(201, actions.access_risk(request.user, risk.pk))


@router.get("/risks/{id}", response=RiskDetailOut, operation_id="risks_get", summary="Get a risk")
def get_risk(request: HttpRequest, id: ObjectId) -> Any:
    """The risk with its rating history, reviews and the links you may see."""
    return actions.access_risk(request.user, id)


@router.patch(
    "/risks/{id}", response=RiskDetailOut, operation_id="risks_update", summary="Change a risk"
)
def update_risk(request: HttpRequest, id: ObjectId, payload: RiskPatch) -> Any:
    """Change the fields sent; needs ``risk.change`` on the risk."""
    risk = actions.access_risk(request.user, id)
    actions.check_change_risk(request.user, risk, payload.model_dump(exclude_unset=True))
    return actions.access_risk(request.user, id)


@router.post(
    "/risks/{id}/reviews",
    response={201: RiskDetailOut},
    operation_id="risks_review",
    summary="Record a review of a risk",
)
def review_risk(request: HttpRequest, id: ObjectId, payload: RiskReviewIn | None = None) -> Any:
    """The next review moves on by the risk's cycle (or to the date given); needs ``risk.change``."""
    risk = actions.access_risk(request.user, id)
    actions.check_review_risk(
        request.user,
        risk,
        notes=payload.notes if payload else "",
        next_review_date=payload.next_review_date if payload else None,
    )
    return Status(201, actions.access_risk(request.user, id))
