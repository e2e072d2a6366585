"""API of the dashboards: the same figures as the pages, as JSON.

``GET /dashboards/sector`` (``dashboard.view_sector``) and ``GET /dashboards/mine`` (a member of a
constituent) take the period as ``from`` and ``to`` (days, both included; the last 30 days by
default); the figures are those of ``siaga.dashboards.sector`` and ``siaga.dashboards.mine``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, optional
from siaga.dashboards import mine, sector
from siaga.dashboards.forms import check_days
from siaga.dashboards.periods import DEFAULT_PRESET, Period, from_days, preset_period

router = Router(tags=["dashboards"])


class PeriodQuery(Schema):
    time_from: date = optional(alias="from", description="The first day (default: 29 days ago).")
    time_to: date = optional(alias="to", description="The last day, included (default: today).")

    def period(self) -> Period:
        if self.time_from is None and self.time_to is None:
            return preset_period(DEFAULT_PRESET)
        default = preset_period(DEFAULT_PRESET)
        first = self.time_from or default.first_day
        last = self.time_to or max(default.last_day, first)
        errors = check_days(first, last)
        if errors:
            raise ValidationError(errors)
        return from_days(first, last)


class MineQuery(PeriodQuery):
    organization: int = optional(
        ge=1, le=MAX_ID, description="The constituent (default: the first of yours by name)."
    )


class LabelCount(Schema):
    label: str
    count: float


class Series(Schema):
    name: str
    values: list[int]


class OverTime(Schema):
    labels: list[str] = Field(
        description="The buckets: days, weeks or months, by the period's length."
    )
    series: list[Series]


class PeriodOut(Schema):
    start: datetime
    end: datetime = Field(description="Excluded: the midnight after the last day.")
    preset: str


class ResponseTime(Schema):
    priority: str
    mtta: float | None = Field(description="Mean seconds from creation to acknowledgement.")
    mttr: float | None = Field(description="Mean seconds from creation to resolution.")
    acknowledged: int
    resolved: int


class SlaRow(Schema):
    milestone: str
    label: str
    met: int
    breached: int = Field(description="Met late, or unmet past the deadline while open.")
    percent: float | None


class DashboardClockOut(Schema):
    incident_id: int
    reference: str
    title: str
    kind: str
    due_at: datetime
    overdue: bool


class AffectedOut(Schema):
    organization_id: int
    name: str
    incidents: int
    events: int


class AnswerRateOut(Schema):
    advisory_id: int
    tracking_id: str
    title: str
    sent: int
    answered: int
    percent: float


class HeatMapOut(Schema):
    cells: list[list[int]] = Field(
        description="cells[impact row][likelihood column], highest impact first."
    )
    impact_labels: list[str]
    likelihood_labels: list[str]


class SectorOut(Schema):
    period: PeriodOut
    incidents_total: int
    incidents_by_class: list[LabelCount]
    incidents_over_time: OverTime
    incidents_by_priority: list[LabelCount]
    incidents_by_province: list[LabelCount]
    incidents_by_constituent_kind: list[LabelCount]
    response_times: list[ResponseTime]
    sla_compliance: list[SlaRow]
    open_legal_clocks: list[DashboardClockOut]
    events_by_classification: list[LabelCount]
    events_over_time: OverTime
    most_affected_constituents: list[AffectedOut]
    advisory_answer_rates: list[AnswerRateOut]
    maturity_distribution: list[LabelCount]
    risk_heat_map: HeatMapOut | None = Field(description="Null without permission to see risks.")


class DashboardOrganizationOut(Schema):
    id: int
    name: str


class MyIncidents(Schema):
    open: int = Field(description="Open now, whenever created.")
    created: int
    closed: int
    by_type: list[LabelCount]


class MyEvents(Schema):
    by_type: list[LabelCount]
    over_time: OverTime


class AssessmentOut(Schema):
    assessment_id: int
    framework: str
    campaign: str
    accepted_at: datetime
    score_percent: float
    maturity: str


class MineOut(Schema):
    organization: DashboardOrganizationOut
    period: PeriodOut
    incidents: MyIncidents
    events: MyEvents | None = Field(description="Null without permission to see feed events.")
    findings_by_severity: list[LabelCount]
    assessments: list[AssessmentOut]


@router.get(
    "/dashboards/sector",
    response=SectorOut,
    operation_id="dashboards_sector",
    summary="The CERT dashboard's figures",
)
def sector_dashboard(request: HttpRequest, period: Query[PeriodQuery]) -> Any:
    """Incidents, response times, SLAs, legal clocks, feed events, advisory answers, assessments
    and risks of the period: the numbers of the dashboard page. Needs ``dashboard.view_sector``."""
    principal = principal_for(request.user)
    if not principal.has_perm("dashboard.view_sector"):
        raise PermissionDenied(_("You may not see the sector dashboard."))
    data = dict(sector.sector_figures(period.period()))
    data["risk_heat_map"] = (
        sector.risk_heat_map(request.user) if principal.has_perm("risk.view") else None
    )
    return data


@router.get(
    "/dashboards/mine",
    response=MineOut,
    operation_id="dashboards_mine",
    summary="Your organization's dashboard figures",
    openapi_extra={"x-siaga-problems": ["404"]},
)
def my_dashboard(request: HttpRequest, query: Query[MineQuery]) -> Any:
    """Your constituent's incidents, feed events, open exposure findings and assessment results;
    ``organization`` chooses one when you are a member of several (404 if you are not its member)."""
    organizations = list(mine.organizations_of(request.user))
    if not organizations:
        raise PermissionDenied(_("You are not a member of a constituent."))
    period = query.period()
    if query.organization is None:
        organization = organizations[0]
    else:
        organization = next((o for o in organizations if o.pk == query.organization), None)
        if organization is None:
            raise Http404
    return mine.gather(request.user, organization, period)
