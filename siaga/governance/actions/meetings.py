"""Meetings (agenda, attendance, decisions) and action items."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.governance.actions.common import apply, require_all
from siaga.governance.choices import OPEN_ACTION_STATUSES, ActionStatus, AttendanceStatus
from siaga.governance.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    Representative,
)

MEETING_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "link",
    "minutes_id",
    "minutes_en",
)
ACTION_FIELDS = (
    "title",
    "description",
    "owner",
    "organization",
    "due_date",
    "status",
    "meeting",
    "decision",
    "exercise",
)
MAX_AGENDA_ITEMS = 50


# --- Meetings -----------------------------------------------------------------------------------


def visible_meetings(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(user, "view")


def access_meeting(user: Any, pk: int, action: str = "view") -> Meeting:
    return get_object_or_404(Meeting.objects.restrict(user, action), pk=pk)


def check_save_meeting(user: Any, data: dict[str, Any], meeting: Meeting | None = None) -> Meeting:
    """Create or change a meeting; ``agenda`` (a list of lines) replaces the agenda."""
    require_all(user, "meeting.change")
    ends, starts = data.get("ends_at"), data.get("starts_at")
    if ends and starts and ends <= starts:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    agenda = [line.strip() for line in data.get("agenda", []) if line.strip()]
    if len(agenda) > MAX_AGENDA_ITEMS:
        raise ValidationError({"agenda": _("An agenda has at most 50 items.")})
    row = meeting or Meeting(created_by=user)
    apply(row, data, MEETING_FIELDS)
    with transaction.atomic():
        row.save()
        if "agenda" in data:
            row.agenda_items.all().delete()
            AgendaItem.objects.bulk_create(
                AgendaItem(meeting=row, position=n, title=title[:300])
                for n, title in enumerate(agenda, start=1)
            )
            # bulk_create sends no signals: the trail gets the new agenda as one entry.
            do_record_event(AuditAction.UPDATE, row, changes={"agenda": agenda})
    return row


def attendance_rows(meeting: Meeting) -> list[tuple[Representative, str]]:
    """Each representative active on the meeting's day, with what was recorded for them."""
    day = meeting.starts_at.date()
    recorded = {a.representative_id: a.status for a in meeting.attendance.all()}
    people = Representative.objects.select_related("organization", "user").order_by(
        "organization__name", "role", "name"
    )
    return [
        (rep, recorded.get(rep.pk, ""))
        for rep in people
        if rep.is_active_on(day) or rep.pk in recorded
    ]


def check_record_attendance(user: Any, meeting: Meeting, statuses: dict[int, str]) -> int:
    """Replace the meeting's attendance with ``{representative id: status}`` (empty: not recorded)."""
    require_all(user, "meeting.change")
    valid = set(AttendanceStatus.values)
    chosen = {pk: status for pk, status in statuses.items() if status}
    if any(status not in valid for status in chosen.values()):
        raise ValidationError(_("Choose present, absent or apologies."))
    known = set(Representative.objects.filter(pk__in=list(chosen)).values_list("pk", flat=True))
    if known != set(chosen):
        raise ValidationError(_("Unknown representative."))
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        meeting.attendance.all().delete()
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, representative_id=pk, status=status)
            for pk, status in chosen.items()
        )
        do_record_event(
            AuditAction.UPDATE,
            meeting,
            changes={"attendance": {str(k): v for k, v in chosen.items()}},
        )
    return len(chosen)


def check_add_decision(user: Any, meeting: Meeting, data: dict[str, Any]) -> Decision:
    """The meeting's next decision, numbered under the meeting's row lock (no gaps, no doubles)."""
    require_all(user, "meeting.change")
    if not (data.get("text_id", "").strip() or data.get("text_en", "").strip()):
        raise ValidationError({"text_en": _("Write the decision in at least one language.")})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        last = locked.decisions.aggregate(last=Max("number"))["last"] or 0
        return Decision.objects.create(
            meeting=locked,
            number=last + 1,
            text_id=data.get("text_id", ""),
            text_en=data.get("text_en", ""),
        )


# --- Action items ---------------------------------------------------------------------------------


def visible_actions(user: Any) -> QuerySet[ActionItem]:
    return ActionItem.objects.restrict(user, "view").select_related(
        "owner", "organization", "meeting", "decision", "exercise"
    )


def open_actions(user: Any) -> QuerySet[ActionItem]:
    return visible_actions(user).filter(status__in=OPEN_ACTION_STATUSES)


def access_action(user: Any, pk: int, action: str = "view") -> ActionItem:
    return get_object_or_404(ActionItem.objects.restrict(user, action), pk=pk)


def may_manage_actions(user: Any) -> bool:
    """The secretariat creates and edits every action item; an owner only updates the status."""
    return principal_for(user).scopes("actionitem.change").all


def check_save_action(
    user: Any, data: dict[str, Any], item: ActionItem | None = None
) -> ActionItem:
    if not may_manage_actions(user):
        raise PermissionDenied
    decision, meeting = data.get("decision"), data.get("meeting")
    if decision is not None:
        if meeting is not None and decision.meeting_id != meeting.pk:
            raise ValidationError({"decision": _("This decision belongs to another meeting.")})
        data = {**data, "meeting": decision.meeting}
    if not data.get("owner") or not data["owner"].is_active:
        raise ValidationError({"owner": _("Choose an active user as the owner.")})
    row = item or ActionItem(created_by=user)
    apply(row, data, ACTION_FIELDS)
    with transaction.atomic():
        row.save()
    return row


def check_update_action_status(user: Any, item: ActionItem, status: str) -> ActionItem:
    """The owner (or the secretariat) moves an action item along."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    with transaction.atomic():
        locked = (
            ActionItem.objects.restrict(user, "change")
            .select_for_update()
            .filter(pk=item.pk)
            .first()
        )
        if locked is None:
            raise PermissionDenied
        if locked.status != status:
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
    return locked
