"""API of incident deadlines (legal clocks, SLAs, notice drafts) and of saved list filters."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.audit.actions import record_sensitive_view
from siaga.core.apitools import ObjectId, Page, Text
from siaga.incidents.actions import access_incident
from siaga.incidents.actions import deadlines as actions
from siaga.incidents.actions.incidents import (
    access_saved_filter,
    check_delete_saved_filter,
    check_save_filter,
    saved_filters,
)
from siaga.incidents.choices import ClockStatus
from siaga.incidents.filters import IncidentFilterForm
from siaga.incidents.legal_clocks import ClockKind
from siaga.incidents.models import LegalClock
from siaga.incidents.slas import Milestone, SlaState
from siaga.incidents.views.deadlines import open_clocks

router = Router(tags=["incidents"])


# --- Schemas ------------------------------------------------------------------------------------


class ClockIncidentRef(Schema):
    id: int
    reference: str
    title: str


class ClockOut(Schema):
    id: int
    incident: ClockIncidentRef
    kind: ClockKind
    label: str
    legal_basis: str
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    status: ClockStatus
    state: Literal["running", "due_soon", "breached", "sent", "waived"] = Field(
        description="running, due_soon or breached while running; else sent or waived."
    )
    seconds_left: int = Field(description="Until the deadline; negative once it has passed.")
    sent_at: datetime | None
    sent_to: str
    note: str

    @staticmethod
    def resolve_label(obj: LegalClock) -> str:
        return ClockKind(obj.kind).label

    @staticmethod
    def resolve_legal_basis(obj: LegalClock) -> str:
        return ClockKind(obj.kind).legal_basis

    @staticmethod
    def resolve_state(obj: LegalClock) -> str:
        return actions.clock_state(obj, timezone.now())

    @staticmethod
    def resolve_seconds_left(obj: LegalClock) -> int:
        return int((obj.due_at - timezone.now()).total_seconds())


class SlaOut(Schema):
    milestone: Milestone
    label: str
    due_at: datetime
    met_at: datetime | None
    state: SlaState = Field(description="warning means due soon.")

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return obj.milestone.label


class RecipientOut(Schema):
    role: str
    label: str
    email: str
    copy_only: bool = Field(description="Receives a copy.")

    @staticmethod
    def resolve_copy_only(obj: Any) -> bool:
        return bool(obj.copy)


class NoticeOut(Schema):
    kind: ClockKind
    language: Literal["id", "en"]
    subject: str
    body: str
    recipients: list[RecipientOut]
    missing: list[str] = Field(description="Minimum contents the incident does not give yet.")


class NoticeParams(Schema):
    language: Literal["id", "en"] = Field(
        "id", description="Bahasa Indonesia (default) or English."
    )


class NoticeSentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    sent_to: Text = Field(min_length=1, max_length=1000, description="Who received the notice.")
    note: Text = Field("", max_length=5000)


class WaiveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(min_length=1, max_length=5000, description="Why no notice is required.")


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str = Field(description="The incident list's query string, e.g. status=new&tlp=red.")
    created_at: datetime
    updated_at: datetime


class SavedFilterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100)
    query: Text = Field(
        "", max_length=2000, description="Unknown parameters and bad values are dropped."
    )


# --- Clocks and SLAs ----------------------------------------------------------------------------


@router.get(
    "/incidents/{id}/clocks",
    response=list[ClockOut],
    operation_id="incidents_clocks_list",
    summary="List an incident's legal clocks",
)
def list_incident_clocks(request: HttpRequest, id: ObjectId) -> Any:
    incident = access_incident(request.user, id)
    return list(
        LegalClock.objects.restrict(request.user, "view")
        .filter(incident=incident)
        .select_related("incident")
        .order_by("due_at")
    )


@router.get(
    "/incidents/{id}/slas",
    response=list[SlaOut],
    operation_id="incidents_slas_list",
    summary="List an incident's SLA milestones",
)
def list_incident_slas(request: HttpRequest, id: ObjectId) -> Any:
    return actions.incident_slas(access_incident(request.user, id))


@router.get(
    "/clocks",
    response=list[ClockOut],
    operation_id="clocks_list",
    summary="List the running legal clocks",
)
@paginate(Page)
def list_open_clocks(request: HttpRequest) -> Any:
    """Every running clock of the incidents you may see, soonest due first."""
    return open_clocks(request.user)


@router.get(
    "/clocks/{id}/notice",
    response=NoticeOut,
    operation_id="clocks_notice",
    summary="Draft the notice of a legal clock",
)
def get_notice(request: HttpRequest, id: ObjectId, params: Query[NoticeParams]) -> Any:
    """A draft to review and complete before sending; ``missing`` names what it still lacks."""
    clock = actions.access_clock(request.user, id)
    draft = actions.notice_draft(
        clock, params.language, timezone.get_current_timezone_name(), request.user
    )
    record_sensitive_view(clock.incident)  # the draft quotes the constituent's contact person
    return draft


@router.post(
    "/clocks/{id}/sent",
    response=ClockOut,
    operation_id="clocks_record_sent",
    summary="Record a legal notice as sent",
)
def record_sent(request: HttpRequest, id: ObjectId, payload: NoticeSentIn) -> Any:
    clock = actions.access_clock(request.user, id)
    return actions.check_record_notice_sent(request.user, clock, payload.sent_to, payload.note)


@router.post(
    "/clocks/{id}/waive",
    response=ClockOut,
    operation_id="clocks_waive",
    summary="Record that a legal notice is not required",
)
def waive(request: HttpRequest, id: ObjectId, payload: WaiveIn) -> Any:
    clock = actions.access_clock(request.user, id)
    return actions.check_waive_clock(request.user, clock, payload.note)


# --- Saved filters ------------------------------------------------------------------------------


@router.get(
    "/saved-filters",
    response=list[SavedFilterOut],
    operation_id="saved_filters_list",
    summary="List your saved incident filters",
)
@paginate(Page)
def list_saved_filters(request: HttpRequest) -> Any:
    return saved_filters(request.user).order_by("name", "pk")


@router.post(
    "/saved-filters",
    response={201: SavedFilterOut},
    operation_id="saved_filters_create",
    summary="Save an incident filter",
)
def create_saved_filter(request: HttpRequest, payload: SavedFilterIn) -> Any:
    """Saving under a name you already use replaces that filter."""
    form = IncidentFilterForm(QueryDict(payload.query), user=request.user)
    return Status(201, check_save_filter(request.user, payload.name, form.query_string()))


@router.delete(
    "/saved-filters/{id}",
    response={204: None},
    operation_id="saved_filters_delete",
    summary="Delete a saved filter",
)
def delete_saved_filter(request: HttpRequest, id: ObjectId) -> Any:
    check_delete_saved_filter(request.user, access_saved_filter(request.user, id))
    return Status(204, None)
