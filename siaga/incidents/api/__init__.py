"""API of incident reports and incidents."""

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_sensitive_view
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, Timestamp, optional
from siaga.core.middleware import client_ip
from siaga.incidents import actions
from siaga.incidents.actions.incidents import BULK_MAX, check_bulk, check_export_incidents
from siaga.incidents.choices import (
    PAP,
    TLP,
    Channel,
    ClosureReason,
    Impact,
    IncidentStatus,
    PersonalDataInvolved,
    Priority,
    RejectionReason,
    ReportLanguage,
    ReportStatus,
    TriageAction,
)
from siaga.incidents.filters import filter_incidents, filter_reports
from siaga.incidents.models import Incident, Report
from siaga.incidents.taxonomy import HealthTag, RsitClass, RsitType
from siaga.incidents.views.lists import csv_response
from siaga.organizations.api import OrganizationBrief
from siaga.organizations.models import Organization

router = Router(tags=["incidents"])


# --- Schemas ------------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    email: str
    full_name: str


class IncidentRef(Schema):
    id: int
    reference: str


class ReportSummary(Schema):
    """A report without the reporter's contact details (lists)."""

    id: int
    tracking_id: str
    channel: Channel
    title: str
    organization: OrganizationBrief | None
    status: ReportStatus
    incident: IncidentRef | None
    created_at: datetime


class ReportOut(ReportSummary):
    """A report with the reporter's contact details; every read is audited."""

    description: str
    discovered_at: datetime | None
    personal_data_involved: PersonalDataInvolved
    suspected_class: RsitClass | None
    suspected_type: RsitType | None
    affected_systems: str
    language: ReportLanguage
    reporter_name: str
    reporter_email: str
    reporter_phone: str
    rejection_reason: RejectionReason | None
    triage_note: str
    duplicate_of: int | None = Field(None, description="The id of the report this one repeats.")
    triaged_at: datetime | None

    @staticmethod
    def resolve_reporter_email(obj: Report) -> str:
        return obj.acknowledgement_address

    @staticmethod
    def resolve_suspected_class(obj: Report) -> str | None:
        return obj.suspected_class or None

    @staticmethod
    def resolve_suspected_type(obj: Report) -> str | None:
        return obj.suspected_type or None

    @staticmethod
    def resolve_rejection_reason(obj: Report) -> str | None:
        return obj.rejection_reason or None

    @staticmethod
    def resolve_duplicate_of(obj: Report) -> int | None:
        return obj.duplicate_of_id


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Needed only when you may report for several organizations.",
    )
    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field(min_length=1, max_length=20000)
    discovered_at: Timestamp | None = None
    personal_data_involved: PersonalDataInvolved = PersonalDataInvolved.UNKNOWN
    suspected_class: RsitClass | None = None
    suspected_type: RsitType | None = None
    affected_systems: Text = Field("", max_length=5000)
    language: ReportLanguage | None = Field(None, description="Default: your profile's language.")
    reporter_phone: Text = Field("", max_length=40)


class ReportFilter(Schema):
    q: Text = optional(max_length=100, description="Tracking id, title, text or reporter.")
    status: ReportStatus = optional()
    channel: Channel = optional()
    organization_id: int = optional(ge=1, le=MAX_ID)
    personal_data_involved: PersonalDataInvolved = optional()
    suspected_class: RsitClass = optional()
    rejection_reason: RejectionReason = optional()
    has_incident: Literal["yes", "no"] = optional()
    received_from: date = optional()
    received_to: date = optional()


class TriageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    action: TriageAction
    incident_id: int | None = Field(
        None, ge=1, description="For attach, or for rejecting as a duplicate of an incident."
    )
    duplicate_of_id: int | None = Field(
        None, ge=1, description="For rejecting as a duplicate of another report."
    )
    reason: RejectionReason | None = Field(None, description="For reject.")
    note: Text = Field("", max_length=5000)


class StatusChangeOut(Schema):
    from_status: IncidentStatus | None
    to_status: IncidentStatus
    changed_by: UserRef | None
    changed_at: datetime
    note: str
    closure_reason: ClosureReason | None

    @staticmethod
    def resolve_from_status(obj: Any) -> str | None:
        return obj.from_status or None

    @staticmethod
    def resolve_closure_reason(obj: Any) -> str | None:
        return obj.closure_reason or None


class IncidentSummary(Schema):
    id: int
    reference: str
    title: str
    status: IncidentStatus
    priority: Priority
    tlp: TLP
    tlp_label: str = Field(description="The official label text, e.g. TLP:AMBER+STRICT.")
    pap: PAP
    pap_label: str = Field(description="The official label text, e.g. PAP:AMBER.")
    rsit_class: RsitClass | None
    rsit_type: RsitType | None
    health_tags: list[HealthTag]
    assignee: UserRef | None
    created_at: datetime

    @staticmethod
    def resolve_tlp_label(obj: Incident) -> str:
        return str(obj.get_tlp_display())

    @staticmethod
    def resolve_pap_label(obj: Incident) -> str:
        return str(obj.get_pap_display())

    @staticmethod
    def resolve_rsit_class(obj: Incident) -> str | None:
        return obj.rsit_class or None

    @staticmethod
    def resolve_rsit_type(obj: Incident) -> str | None:
        return obj.rsit_type or None


class AffectedSystemOut(Schema):
    """A system or device of an affected constituent's inventory."""

    id: int
    organization_id: int
    kind: str
    name: str
    vendor: str
    product: str
    version: str


class IncidentOut(IncidentSummary):
    description: str
    patient_safety: Impact
    service_disruption: Impact
    records_affected: Impact
    spread: Impact
    closure_reason: ClosureReason | None
    lessons_learned: str
    personal_data_involved: bool
    personal_data_description: str
    handling_actions: str
    affected_constituents: list[OrganizationBrief]
    affected_systems: list[AffectedSystemOut]
    shared_with: list[OrganizationBrief]
    attack_techniques: list[str] = Field(description="MITRE ATT&CK technique ids.")
    reports: list[IncidentRef]
    status_changes: list[StatusChangeOut]
    detected_at: datetime | None
    reported_at: datetime | None
    acknowledged_at: datetime | None
    triaged_at: datetime | None
    contained_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_closure_reason(obj: Incident) -> str | None:
        return obj.closure_reason or None

    @staticmethod
    def resolve_affected_constituents(obj: Incident) -> list[Organization]:
        return list(obj.affected_constituents.order_by("name"))

    @staticmethod
    def resolve_affected_systems(obj: Incident) -> list[Any]:
        return list(obj.affected_systems.order_by("organization_id", "name", "pk"))

    @staticmethod
    def resolve_shared_with(obj: Incident) -> list[Organization]:
        return list(obj.shared_with.order_by("name"))

    @staticmethod
    def resolve_reports(obj: Incident, context: dict[str, Any]) -> list[Any]:
        visible = Report.objects.restrict(context["request"].user, "view")
        return [
            {"id": report.pk, "reference": report.tracking_id}
            for report in visible.filter(incident=obj).order_by("created_at")
        ]

    @staticmethod
    def resolve_status_changes(obj: Incident) -> list[Any]:
        return list(obj.status_changes.select_related("changed_by"))


class IncidentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=50000)
    rsit_class: RsitClass | None = None
    rsit_type: RsitType | None = None
    health_tags: list[HealthTag] = Field(default_factory=list)
    patient_safety: Impact = Impact.NONE
    service_disruption: Impact = Impact.NONE
    records_affected: Impact = Impact.NONE
    spread: Impact = Impact.NONE
    tlp: TLP = TLP.AMBER
    pap: PAP = PAP.AMBER
    personal_data_involved: bool = False
    detected_at: Timestamp | None = None
    personal_data_description: Text = Field("", max_length=20000)
    handling_actions: Text = Field("", max_length=20000)
    affected_constituent_ids: list[int] = Field(default_factory=list)
    affected_system_ids: list[int] = Field(
        default_factory=list, description="Inventory items of the affected constituents."
    )
    shared_with_ids: list[int] = Field(default_factory=list)
    attack_techniques: list[Text] = Field(
        default_factory=list,
        max_length=100,
        description="MITRE ATT&CK technique ids (T1566.001), each one loaded on this server.",
    )


class IncidentPatch(Schema):
    """The fields to change; lists replace the whole list."""

    model_config = ConfigDict(extra="forbid")

    title: Text = optional(min_length=1, max_length=200)
    description: Text = optional(max_length=50000)
    rsit_class: RsitClass | None = None
    rsit_type: RsitType | None = None
    health_tags: list[HealthTag] = optional()
    patient_safety: Impact = optional()
    service_disruption: Impact = optional()
    records_affected: Impact = optional()
    spread: Impact = optional()
    tlp: TLP = optional()
    pap: PAP = optional()
    personal_data_involved: bool = optional()
    detected_at: Timestamp | None = None
    personal_data_description: Text = optional(max_length=20000)
    handling_actions: Text = optional(max_length=20000)
    affected_constituent_ids: list[int] = optional()
    affected_system_ids: list[int] = optional()
    shared_with_ids: list[int] = optional()
    attack_techniques: list[Text] = optional(max_length=100)


class IncidentFilter(Schema):
    status: IncidentStatus = optional()
    priority: Priority = optional()
    rsit_class: RsitClass = optional()
    rsit_type: RsitType = optional()
    tlp: TLP = optional()
    pap: PAP = optional()
    health_tag: HealthTag = optional()
    assignee_id: int = optional(ge=1, le=MAX_ID)
    affected_constituent_id: int = optional(ge=1, le=MAX_ID)
    personal_data: bool = optional(description="Whether personal data is involved.")
    sla: Literal["breached", "warning"] = optional(
        description="Open incidents with an SLA milestone breached, or due soon (warning)."
    )
    running_clock: bool = optional(description="Whether a legal clock is running.")
    created_from: date = optional(description="Opened on or after this day (your time zone).")
    created_to: date = optional(description="Opened on or before this day.")
    detected_from: date = optional(description="Detected on or after this day.")
    detected_to: date = optional(description="Detected on or before this day.")
    q: Text = optional(
        max_length=200,
        description="Words of the reference, title, description or comments you can read.",
    )

    def as_filters(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data["assignee"] = data.pop("assignee_id", None)
        data["affected_constituent"] = data.pop("affected_constituent_id", None)
        return data


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: IncidentStatus
    closure_reason: ClosureReason | None = Field(None, description="Needed to close.")
    lessons_learned: Text = Field("", max_length=20000)
    note: Text = Field("", max_length=5000, description="Needed to reopen a closed incident.")


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(description="A CERT staff member's user id, or null.")


# --- Reports --------------------------------------------------------------------------------------


@router.post(
    "/reports", response={201: ReportOut}, operation_id="reports_create", summary="File a report"
)
def create_report(request: HttpRequest, payload: ReportIn) -> Any:
    """You receive the tracking id in the answer and by e-mail."""
    data = payload.model_dump(exclude={"organization_id"})
    data = {key: value for key, value in data.items() if value is not None}
    organization = None
    if payload.organization_id is not None:
        organization = Organization.objects.filter(pk=payload.organization_id).first()
        if organization is None:
            raise ValidationError({"organization_id": _("Unknown organization.")})
    report = actions.check_submit_report(
        request.user,
        data,
        organization=organization,
        channel=Channel.API,
        raw=_raw_body(request),
        client_address=client_ip(request),
    )
    return Status(201, report)


def _raw_body(request: HttpRequest) -> Any:
    return json.loads(request.body)  # already parsed once by the API: known to be valid JSON


@router.get(
    "/reports", response=list[ReportSummary], operation_id="reports_list", summary="List reports"
)
@paginate(Page)
def list_reports(request: HttpRequest, filters: Query[ReportFilter]) -> Any:
    """The reports you may see, newest first (the CERT's triage queue with ``status=new``)."""
    data = filters.model_dump(exclude_none=True)
    data["organization"] = data.pop("organization_id", None)
    reports = filter_reports(Report.objects.restrict(request.user, "view"), data)
    return reports.select_related("organization", "incident").order_by("-created_at", "-pk")


@router.get("/reports/{id}", response=ReportOut, operation_id="reports_get", summary="Get a report")
def get_report(request: HttpRequest, id: ObjectId) -> Any:
    report = actions.access_report(request.user, id)
    record_sensitive_view(report)
    return report


@router.post(
    "/reports/{id}/triage",
    response=ReportOut,
    operation_id="reports_triage",
    summary="Triage a report",
)
def triage_report(request: HttpRequest, id: ObjectId, payload: TriageIn) -> Any:
    """``new_incident`` opens an incident from the report; ``attach`` adds it to ``incident_id``;
    ``reject`` needs a ``reason`` (a duplicate names ``duplicate_of_id`` or ``incident_id``)."""
    report = actions.access_report(request.user, id)
    return actions.check_triage_report(
        request.user,
        report,
        payload.action.value,
        incident_id=payload.incident_id,
        reason=payload.reason.value if payload.reason else "",
        note=payload.note,
        duplicate_of_id=payload.duplicate_of_id,
    )


# --- Incidents ------------------------------------------------------------------------------------


def _incident_data(payload: IncidentIn | IncidentPatch, **dump: Any) -> dict[str, Any]:
    data = payload.model_dump(mode="json", **dump)
    for name in ("rsit_class", "rsit_type"):
        if name in data:
            data[name] = data[name] or ""  # the model stores "" for none
    if "detected_at" in data:
        data["detected_at"] = getattr(payload, "detected_at", None)
    if "affected_constituent_ids" in data:
        data["affected_constituents"] = data.pop("affected_constituent_ids")
    if "shared_with_ids" in data:
        data["shared_with"] = data.pop("shared_with_ids")
    if "affected_system_ids" in data:
        data["affected_systems"] = data.pop("affected_system_ids")
    return data


@router.get(
    "/incidents",
    response=list[IncidentSummary],
    operation_id="incidents_list",
    summary="List incidents",
)
@paginate(Page)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> Any:
    """The incidents you may see, newest first."""
    incidents = filter_incidents(
        Incident.objects.restrict(request.user, "view"), filters.as_filters(), user=request.user
    )
    return incidents.select_related("assignee").order_by("-created_at", "-pk")


CSV_RESPONSES = {
    "responses": {
        200: {
            "description": "The incidents as CSV (UTF-8), one row each, header first.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/incidents/export",
    operation_id="incidents_export",
    summary="Export incidents as CSV",
    openapi_extra=CSV_RESPONSES,
)
def export_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> Any:
    """The list's filters apply; needs the export permission. Every export is audited."""
    if not principal_for(request.user).has_perm("incident.export"):
        raise PermissionDenied(_("You may not export incidents."))
    data = filters.as_filters()
    incidents = filter_incidents(
        Incident.objects.restrict(request.user, "export"), data, user=request.user
    ).order_by("-created_at", "-pk")
    rows = check_export_incidents(
        request.user, incidents, filters.model_dump(mode="json", exclude_none=True)
    )
    return csv_response(rows, "incidents")


class BulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=BULK_MAX)
    action: Literal["assign", "transition"]
    assignee_id: int | None = Field(None, description="For assign: a CERT staff member, or null.")
    status: IncidentStatus | None = Field(None, description="For transition.")
    closure_reason: ClosureReason | None = Field(None, description="For closing.")
    note: Text = Field("", max_length=5000, description="Needed to reopen.")


class BulkResultOut(Schema):
    id: int
    ok: bool
    reference: str
    error: str


class BulkOut(Schema):
    results: list[BulkResultOut]


@router.post(
    "/incidents/bulk",
    response=BulkOut,
    operation_id="incidents_bulk",
    summary="Assign or change the status of several incidents",
)
def bulk_incidents(request: HttpRequest, payload: BulkIn) -> Any:
    """Each incident goes through its own checks; the answer says, per id, whether it changed."""
    results = check_bulk(
        request.user,
        payload.ids,
        payload.action,
        {
            "assignee_id": payload.assignee_id,
            "status": payload.status.value if payload.status else "",
            "closure_reason": payload.closure_reason.value if payload.closure_reason else "",
            "note": payload.note,
        },
    )
    return {"results": results}


@router.post(
    "/incidents",
    response={201: IncidentOut},
    operation_id="incidents_create",
    summary="Open an incident",
)
def create_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    return Status(201, actions.check_create_incident(request.user, _incident_data(payload)))


@router.get(
    "/incidents/{id}", response=IncidentOut, operation_id="incidents_get", summary="Get an incident"
)
def get_incident(request: HttpRequest, id: ObjectId) -> Any:
    incident = actions.access_incident(request.user, id)
    record_sensitive_view(incident)
    return incident


@router.patch(
    "/incidents/{id}",
    response=IncidentOut,
    operation_id="incidents_update",
    summary="Change an incident",
)
def update_incident(request: HttpRequest, id: ObjectId, payload: IncidentPatch) -> Any:
    """Send only the fields to change."""
    incident = actions.access_incident(request.user, id)
    data = _incident_data(payload, exclude_unset=True)
    return actions.check_update_incident(request.user, incident, data)


@router.post(
    "/incidents/{id}/transition",
    response=IncidentOut,
    operation_id="incidents_transition",
    summary="Change an incident's status",
)
def transition_incident(request: HttpRequest, id: ObjectId, payload: TransitionIn) -> Any:
    incident = actions.access_incident(request.user, id)
    return actions.check_transition(
        request.user,
        incident,
        payload.status.value,
        closure_reason=payload.closure_reason.value if payload.closure_reason else "",
        lessons_learned=payload.lessons_learned,
        note=payload.note,
    )


@router.post(
    "/incidents/{id}/assign",
    response=IncidentOut,
    operation_id="incidents_assign",
    summary="Assign an incident",
)
def assign_incident(request: HttpRequest, id: ObjectId, payload: AssignIn) -> Any:
    incident = actions.access_incident(request.user, id)
    return actions.check_assign(request.user, incident, payload.assignee_id)


# Case work and deadlines have routers of their own, mounted here (after the schemas above, which
# they may import).
from siaga.incidents.api import casework as _casework  # noqa: E402
from siaga.incidents.api import deadlines as _deadlines  # noqa: E402

router.add_router("", _casework.router)
router.add_router("", _deadlines.router)
