"""API of the coordination group: meetings, action items (the owner updates the status) and who is
on call now. The group's members, the CERT and auditors read meetings and the rota; everyone sees
the action items they own."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.core.apitools import ObjectId, Page, optional
from siaga.governance import actions
from siaga.governance.choices import ActionStatus, AttendanceStatus, MeetingKind
from siaga.governance.models import ActionItem, Meeting

router = Router(tags=["governance"])


class AgendaItemOut(Schema):
    position: int
    title: str


class DecisionOut(Schema):
    id: int
    number: int
    text_id: str
    text_en: str


class AttendanceOut(Schema):
    representative_id: int
    name: str
    organization: str
    status: AttendanceStatus

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.representative.display_name

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return obj.representative.organization.name


class MeetingOut(Schema):
    id: int
    title: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime | None
    place: str
    link: str


class MeetingDetailOut(MeetingOut):
    minutes_id: str
    minutes_en: str
    agenda: list[AgendaItemOut]
    attendance: list[AttendanceOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_agenda(obj: Meeting) -> Any:
        return obj.agenda_items.order_by("position")

    @staticmethod
    def resolve_attendance(obj: Meeting) -> Any:
        return obj.attendance.select_related("representative", "representative__organization")

    @staticmethod
    def resolve_decisions(obj: Meeting) -> Any:
        return obj.decisions.order_by("number")


class ActionItemOut(Schema):
    id: int
    title: str
    description: str
    owner_id: int
    owner_name: str
    organization_id: int | None
    due_date: date
    status: ActionStatus
    meeting_id: int | None
    decision_id: int | None
    decision_number: int | None
    exercise_id: int | None

    @staticmethod
    def resolve_owner_name(obj: ActionItem) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_decision_number(obj: ActionItem) -> int | None:
        return obj.decision.number if obj.decision_id and obj.decision else None


class ActionItemFilter(Schema):
    status: ActionStatus | None = optional(description="Only items with this status.")
    open: bool | None = optional(description="true: only open and in-progress items.")


class ActionItemPatch(Schema):
    status: ActionStatus = Field(description="open, in_progress, done or cancelled.")


class OnCallPersonOut(Schema):
    user_id: int
    name: str
    email: str
    phone: str
    starts_at: datetime
    ends_at: datetime


class OnCallLevelOut(Schema):
    level: int
    on_call: list[OnCallPersonOut]


class OnCallNowOut(Schema):
    at: datetime
    levels: list[OnCallLevelOut]


def _require(request: HttpRequest, permission: str) -> None:
    if not actions.may(request.user, permission):
        raise PermissionDenied(_("You may not see the coordination group's records."))


@router.get(
    "/governance/meetings",
    response=list[MeetingOut],
    operation_id="governance_meetings_list",
    summary="List the coordination group's meetings",
)
@paginate(Page)
def list_meetings(request: HttpRequest) -> Any:
    _require(request, "meeting.view")
    return actions.visible_meetings(request.user).order_by("-starts_at", "-pk")


@router.get(
    "/governance/meetings/{id}",
    response=MeetingDetailOut,
    operation_id="governance_meetings_get",
    summary="Get a meeting with its agenda, attendance, minutes and decisions",
)
def get_meeting(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_meeting(request.user, id)


@router.get(
    "/governance/action-items",
    response=list[ActionItemOut],
    operation_id="governance_action_items_list",
    summary="List action items (the group's members and the CERT: all; others: their own)",
)
@paginate(Page)
def list_action_items(request: HttpRequest, filters: Query[ActionItemFilter]) -> Any:
    _require(request, "actionitem.view")
    rows = actions.visible_actions(request.user)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.open:
        rows = rows.filter(status__in=actions.OPEN_ACTION_STATUSES)
    return rows.order_by("due_date", "pk")


@router.get(
    "/governance/action-items/{id}",
    response=ActionItemOut,
    operation_id="governance_action_items_get",
    summary="Get an action item",
)
def get_action_item(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_action(request.user, id)


@router.patch(
    "/governance/action-items/{id}",
    response=ActionItemOut,
    operation_id="governance_action_items_update",
    summary="Update an action item's status (its owner, or the secretariat)",
)
def update_action_item(request: HttpRequest, id: ObjectId, payload: ActionItemPatch) -> Any:
    item = actions.access_action(request.user, id, "change")
    return actions.check_update_action_status(request.user, item, payload.status)


@router.get(
    "/governance/on-call/now",
    response=OnCallNowOut,
    operation_id="governance_oncall_now",
    summary="Who is on call now, level by level (the escalation chain)",
)
def on_call_now(request: HttpRequest) -> Any:
    _require(request, "oncallshift.view")
    now = timezone.now()
    levels = [
        {
            "level": level,
            "on_call": [
                {
                    "user_id": shift.user_id,
                    "name": str(shift.user),
                    "email": shift.user.email,
                    "phone": shift.user.phone,
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                }
                for shift in shifts
            ],
        }
        for level, shifts in actions.on_call_now(request.user, now)
    ]
    return {"at": now, "levels": levels}
