"""The on-call rota: who is on duty now, the escalation chain, gaps in the next days, shifts."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.governance import actions
from siaga.governance.forms import ShiftForm
from siaga.governance.models import OnCallShift
from siaga.governance.views.common import save_or_none

SHOWN_SHIFTS = 300


@login_required
@require_GET
def oncall(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "oncallshift.view")
    now = timezone.now()
    shifts = actions.visible_shifts(request.user).filter(
        ends_at__gt=now - timedelta(days=1), starts_at__lt=now + timedelta(days=actions.gap_days())
    )
    context = {
        "now": now,
        "chain": actions.on_call_now(request.user, now),
        "gaps": actions.gaps_ahead(request.user, now),
        "gap_days": actions.gap_days(),
        "shifts": shifts.order_by("starts_at", "level")[:SHOWN_SHIFTS],
        "can_change": actions.may(request.user, "oncallshift.change"),
    }
    return render(request, "governance/oncall.html", context)


def _shift_form(request: HttpRequest, shift: OnCallShift | None) -> HttpResponse:
    form = ShiftForm(request.POST or None, instance=shift)
    saved = save_or_none(form, lambda data: actions.check_save_shift(request.user, data, shift))
    if saved is not None:
        messages.success(request, _("Shift saved."))
        return redirect("governance:oncall")
    return render(request, "governance/shift_form.html", {"form": form, "shift": shift})


@login_required
@require_http_methods(["GET", "POST"])
def shift_add(request: HttpRequest) -> HttpResponse:
    actions.require_all(request.user, "oncallshift.change")
    return _shift_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _shift_form(request, actions.access_shift(request.user, pk, "change"))
