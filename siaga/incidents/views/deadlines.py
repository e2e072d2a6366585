"""Pages of incident deadlines: the clocks and SLAs on an incident, notices, the open clocks.

The incident page shows this app's part through ``deadline_context`` (``_render_incident`` adds
it) and ``deadlines/_sections.html``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siaga.audit.actions import record_sensitive_view
from siaga.core.forms import add_validation_error
from siaga.incidents.actions.deadlines import (
    access_clock,
    check_record_notice_sent,
    check_waive_clock,
    clock_state,
    incident_slas,
    may_record,
    notice_draft,
)
from siaga.incidents.choices import ClockStatus
from siaga.incidents.forms.deadlines import NoticeLanguageForm, NoticeSentForm, WaiveClockForm
from siaga.incidents.legal_clocks import ClockKind
from siaga.incidents.models import Incident, LegalClock

PAGE_SIZE = 50


@dataclass(frozen=True)
class ClockRow:
    """A clock as a page shows it: its state now and the seconds left (negative when overdue)."""

    clock: LegalClock
    state: str
    seconds_left: int
    sent_form: NoticeSentForm | None = None
    waive_form: WaiveClockForm | None = None

    @property
    def label(self) -> str:
        return ClockKind(self.clock.kind).label

    @property
    def legal_basis(self) -> str:
        return ClockKind(self.clock.kind).legal_basis

    @property
    def overdue_seconds(self) -> int:
        return -self.seconds_left


def clock_row(clock: LegalClock, now: datetime) -> ClockRow:
    return ClockRow(clock, clock_state(clock, now), int((clock.due_at - now).total_seconds()))


def deadline_context(user: Any, incident: Incident) -> dict[str, Any]:
    """What ``deadlines/_sections.html`` shows on the incident page."""
    now = timezone.now()
    clocks = list(
        LegalClock.objects.restrict(user, "view").filter(incident=incident).order_by("due_at")
    )
    running = [clock for clock in clocks if clock.status == ClockStatus.RUNNING]
    # The same answer for every clock of one incident: ask once.
    can_record = bool(running) and may_record(user, running[0])
    rows = []
    for clock in clocks:
        row = clock_row(clock, now)
        if can_record and clock.status == ClockStatus.RUNNING:
            # Each clock's forms get their own element ids: two clocks may be on the page.
            row = replace(
                row,
                sent_form=NoticeSentForm(auto_id=f"id_clock{clock.pk}_%s"),
                waive_form=WaiveClockForm(auto_id=f"id_clock{clock.pk}_waive_%s"),
            )
        rows.append(row)
    return {
        "deadlines_now": now,
        "clock_rows": rows,
        "slas": incident_slas(incident, now),
        "can_record_notice": can_record,
    }


@login_required
@require_GET
def clock_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft notice of a clock, in Bahasa Indonesia or English; ``download=1`` as a file."""
    clock = access_clock(request.user, pk)
    language_form = NoticeLanguageForm(request.GET)
    language = language_form.language_code()
    draft = notice_draft(clock, language, timezone.get_current_timezone_name(), request.user)
    # The draft quotes the constituent's contact person (personal data).
    record_sensitive_view(clock.incident)
    if request.GET.get("download"):
        response = HttpResponse(
            f"{draft.subject}\n\n{draft.body}", content_type="text/plain; charset=utf-8"
        )
        filename = f"{clock.incident.reference}-{clock.kind}-{language}.txt"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context = {
        "clock": clock,
        "row": clock_row(clock, timezone.now()),
        "incident": clock.incident,
        "draft": draft,
        "language": language,
    }
    return render(request, "incidents/deadlines/notice.html", context)


def _clock_form_page(
    request: HttpRequest, clock: LegalClock, form: Any, action: str
) -> HttpResponse:
    context = {"clock": clock, "incident": clock.incident, "form": form, "action": action}
    return render(request, "incidents/deadlines/clock_form.html", context, status=400)


def _access_clock_to_record(request: HttpRequest, pk: int) -> LegalClock:
    clock = access_clock(request.user, pk)
    if not may_record(request.user, clock):
        raise PermissionDenied
    return clock


@login_required
@require_POST
def clock_sent(request: HttpRequest, pk: int) -> HttpResponse:
    clock = _access_clock_to_record(request, pk)
    form = NoticeSentForm(request.POST)
    if form.is_valid():
        try:
            check_record_notice_sent(
                request.user, clock, form.cleaned_data["sent_to"], form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The notice is recorded as sent."))
            return redirect("incidents:detail", pk=clock.incident_id)
    return _clock_form_page(request, clock, form, "sent")


@login_required
@require_POST
def clock_waive(request: HttpRequest, pk: int) -> HttpResponse:
    clock = _access_clock_to_record(request, pk)
    form = WaiveClockForm(request.POST)
    if form.is_valid():
        try:
            check_waive_clock(request.user, clock, form.cleaned_data["note"])
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The notice is recorded as not required."))
            return redirect("incidents:detail", pk=clock.incident_id)
    return _clock_form_page(request, clock, form, "waive")


def open_clocks(user: Any) -> Any:
    """Every running clock the user may see, soonest first."""
    return (
        LegalClock.objects.restrict(user, "view")
        .filter(status=ClockStatus.RUNNING)
        .select_related("incident")
        .prefetch_related("incident__affected_constituents")
        .order_by("due_at", "pk")
    )


@login_required
@require_GET
def clock_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(open_clocks(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    page.object_list = [clock_row(clock, now) for clock in page.object_list]
    return render(request, "incidents/deadlines/clocks.html", {"page": page, "now": now})
