"""Meetings (agenda, attendance, minutes, decisions) and action items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.governance import actions
from siaga.governance.forms import (
    ActionItemForm,
    ActionStatusForm,
    AttendanceForm,
    DecisionForm,
    MeetingForm,
)
from siaga.governance.models import ActionItem, Meeting
from siaga.governance.views.common import back_with_error, save_or_none

PAGE_SIZE = 50


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "meeting.view")
    page = Paginator(actions.visible_meetings(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "can_change": actions.may(request.user, "meeting.change")}
    return render(request, "governance/meeting_list.html", context)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = actions.access_meeting(request.user, pk)
    context = {
        "meeting": meeting,
        "agenda": meeting.agenda_items.order_by("position"),
        "attendance": meeting.attendance.select_related(
            "representative", "representative__organization", "representative__user"
        ),
        "decisions": meeting.decisions.order_by("number"),
        "action_items": actions.visible_actions(request.user).filter(meeting=meeting),
        "can_change": actions.may(request.user, "meeting.change"),
        "can_add_action": actions.may_manage_actions(request.user),
        "decision_form": DecisionForm(),
    }
    return render(request, "governance/meeting_detail.html", context)


def _meeting_form(request: HttpRequest, meeting: Meeting | None) -> HttpResponse:
    form = MeetingForm(request.POST or None, instance=meeting)
    saved = save_or_none(form, lambda data: actions.check_save_meeting(request.user, data, meeting))
    if saved is not None:
        messages.success(request, _("Meeting saved."))
        return redirect("governance:meeting-detail", saved.pk)
    return render(request, "governance/meeting_form.html", {"form": form, "meeting": meeting})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_add(request: HttpRequest) -> HttpResponse:
    actions.require_all(request.user, "meeting.change")
    return _meeting_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_form(request, actions.access_meeting(request.user, pk, "change"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = actions.access_meeting(request.user, pk, "change")
    form = AttendanceForm(request.POST or None, rows=actions.attendance_rows(meeting))
    done = save_or_none(
        form, lambda _data: actions.check_record_attendance(request.user, meeting, form.statuses())
    )
    if done is not None:
        messages.success(request, _("Attendance saved."))
        return redirect("governance:meeting-detail", pk)
    return render(request, "governance/attendance_form.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = actions.access_meeting(request.user, pk, "change")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for e in form.non_field_errors()] or [_("Check the decision's text.")]
        return back_with_error(request, "governance:meeting-detail", ValidationError(errors), pk)
    try:
        decision = actions.check_add_decision(request.user, meeting, form.cleaned_data)
    except ValidationError as exc:
        return back_with_error(request, "governance:meeting-detail", exc, pk)
    messages.success(request, _("Decision %(number)s recorded.") % {"number": decision.number})
    return redirect("governance:meeting-detail", pk)


# --- Action items ---------------------------------------------------------------------------------


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "actionitem.view")
    show_all = request.GET.get("status") == "all"
    rows = actions.visible_actions(request.user) if show_all else actions.open_actions(request.user)
    page = Paginator(rows.order_by("due_date", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show_all": show_all,
        "today": timezone.localdate(),
        "can_add": actions.may_manage_actions(request.user),
    }
    return render(request, "governance/action_list.html", context)


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_action(request.user, pk)
    may_change = ActionItem.objects.restrict(request.user, "change").filter(pk=pk).exists()
    context = {
        "item": item,
        "today": timezone.localdate(),
        "status_form": ActionStatusForm(initial={"status": item.status}) if may_change else None,
        "can_edit": actions.may_manage_actions(request.user),
        "sees_meeting": actions.may(request.user, "meeting.view"),
        "sees_exercise": actions.may(request.user, "exercise.view"),
    }
    return render(request, "governance/action_detail.html", context)


def _action_form(request: HttpRequest, item: ActionItem | None) -> HttpResponse:
    if not actions.may_manage_actions(request.user):
        raise PermissionDenied
    initial = {
        key: request.GET[key]
        for key in ("meeting", "decision", "exercise")
        if request.GET.get(key, "").isdigit()
    }
    form = ActionItemForm(request.POST or None, instance=item, initial=initial)
    saved = save_or_none(form, lambda data: actions.check_save_action(request.user, data, item))
    if saved is not None:
        messages.success(request, _("Action item saved."))
        if saved.meeting_id and item is None:
            return redirect("governance:meeting-detail", saved.meeting_id)
        if saved.exercise_id and item is None:
            return redirect("governance:exercise-detail", saved.exercise_id)
        return redirect("governance:action-detail", saved.pk)
    return render(request, "governance/action_form.html", {"form": form, "item": item})


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest) -> HttpResponse:
    return _action_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_form(request, actions.access_action(request.user, pk, "change"))


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_action(request.user, pk, "change")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return back_with_error(
            request, "governance:action-detail", ValidationError(_("Choose a valid status.")), pk
        )
    actions.check_update_action_status(request.user, item, form.cleaned_data["status"])
    messages.success(request, _("Status updated."))
    return redirect("governance:action-detail", pk)
