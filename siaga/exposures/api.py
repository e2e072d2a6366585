"""API of exposure findings: list and read them, record remediation, start a matching run."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.exposures import actions
from siaga.exposures.choices import Certainty, FindingSource, FindingStatus
from siaga.exposures.models import Finding
from siaga.organizations.api import OrganizationRef
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

router = Router(tags=["findings"])

SettableStatus = Literal[
    "open", "in_progress", "mitigated", "remediated", "risk_accepted", "false_positive"
]


class VulnerabilityRef(Schema):
    id: int
    cve_id: str


class InventoryItemRef(Schema):
    id: int
    name: str
    vendor: str
    product: str
    version: str


class FindingChangeOut(Schema):
    created_at: datetime
    actor_email: str | None = Field(description="Who; empty for the matching run.")
    automatic: bool
    old_status: str
    new_status: str
    comment: str

    @staticmethod
    def resolve_actor_email(obj: Any) -> str | None:
        return obj.actor.email if obj.actor_id else None


class FindingSightingOut(Schema):
    event_id: int
    feed_name: str
    source_ip: str | None
    source_port: int | None
    observed_at: datetime


class FindingOut(Schema):
    id: int
    organization: OrganizationRef
    inventory_item: InventoryItemRef | None
    vulnerability: VulnerabilityRef
    source: FindingSource
    status: FindingStatus
    certainty: Certainty = Field(description='"unknown": check the version by hand.')
    matched_versions: str
    in_kev: bool
    epss_score: float | None
    cvss_score: Decimal | None
    cvss_severity: str
    due_date: date | None
    overdue: bool
    first_seen: datetime
    last_seen: datetime
    notified_at: datetime | None
    remediation_notes: str

    @staticmethod
    def resolve_overdue(obj: Finding) -> bool:
        return obj.is_overdue


class FindingDetailOut(FindingOut):
    changes: list[FindingChangeOut]
    sightings: list[FindingSightingOut]

    @staticmethod
    def resolve_changes(obj: Finding) -> list[Any]:
        return list(obj.changes.select_related("actor").order_by("created_at", "pk"))

    @staticmethod
    def resolve_sightings(obj: Finding) -> list[Any]:
        return list(obj.feed_events.all()[:100])


class FindingFilter(Schema):
    organization: int = optional(ge=1, le=MAX_ID, description="Only this constituent's findings.")
    kev: bool = optional(description="Only findings of CVEs in (true) or not in (false) CISA KEV.")
    status: FindingStatus = optional()
    overdue: bool = optional(description="Open findings past their due date (true) or not.")
    cve: Text = optional(max_length=32, description="A CVE identifier, e.g. CVE-2024-12345.")


class FindingPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    status: SettableStatus = optional(
        description="The new status (resolved_unmatched is set by the matching run only)."
    )
    comment: Text = optional(max_length=5000, description="What was done or decided.")


class MatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization: int = optional(
        ge=1, le=MAX_ID, description="Match only this constituent (default: all)."
    )


class MatchAccepted(Schema):
    job: int = Field(description="The job's id: follow it at /api/v1/jobs/{id}.")


def _require_view(request: HttpRequest) -> None:
    if not principal_for(request.user).has_perm("finding.view"):
        raise PermissionDenied(_("You may not see vulnerability findings."))


@router.get(
    "/findings",
    response=list[FindingOut],
    operation_id="findings_list",
    summary="List vulnerability findings",
)
@paginate(Page)
def list_findings(request: HttpRequest, filters: Query[FindingFilter]) -> Any:
    """The findings you may see (the CERT: all; a constituent: its own), KEV first, then by due
    date."""
    _require_view(request)
    q = actions.finding_filter_q(**filters.model_dump(exclude_none=True))
    return (
        actions.visible_findings(request.user)
        .filter(q)
        .order_by("-in_kev", "due_date", "-cvss_score", "pk")
    )


@router.post(
    "/findings/match",
    response={202: MatchAccepted},
    operation_id="findings_match",
    summary="Start a matching run",
)
def start_match(request: HttpRequest, payload: MatchIn | None = None) -> Any:
    """Match vulnerabilities against inventories in a background job (``exposures.match``);
    needs ``finding.add``."""
    from siaga.exposures.tasks import JOB_KIND
    from siaga.jobs.actions import check_start_job

    params: dict[str, Any] = {}
    if payload is not None and payload.organization is not None:
        if not Organization.objects.filter(
            pk=payload.organization, kind=OrganizationKind.CONSTITUENT, is_active=True
        ).exists():
            raise ValidationError({"organization": _("No such active constituent.")})
        params["organization"] = payload.organization
    job = check_start_job(request.user, JOB_KIND, params)
    return Status(202, {"job": job.pk})


@router.get(
    "/findings/{id}",
    response=FindingDetailOut,
    operation_id="findings_detail",
    summary="Get a vulnerability finding",
)
def get_finding(request: HttpRequest, id: ObjectId) -> Any:
    """The finding with its history of status changes and comments, and its feed sightings."""
    return actions.access_finding(request.user, id)


@router.patch(
    "/findings/{id}",
    response=FindingDetailOut,
    operation_id="findings_update",
    summary="Record remediation of a finding",
)
def update_finding(request: HttpRequest, id: ObjectId, payload: FindingPatch) -> Any:
    """Set the status and/or add a comment; needs ``finding.change``."""
    finding = actions.access_finding(request.user, id)
    data = payload.model_dump(exclude_unset=True)
    actions.check_change_finding(
        request.user, finding, status=data.get("status"), comment=data.get("comment") or ""
    )
    return actions.access_finding(request.user, id)
