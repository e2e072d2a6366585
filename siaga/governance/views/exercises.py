"""Exercises: list, detail (findings, follow-up actions), forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.governance import actions
from siaga.governance.forms import ExerciseForm, FindingForm
from siaga.governance.models import Exercise
from siaga.governance.views.common import back_with_error, save_or_none


@login_required
@require_GET
def exercise_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "exercise.view")
    context = {
        "exercises": actions.visible_exercises(request.user).prefetch_related("participants")[:500],
        "can_change": actions.may(request.user, "exercise.change"),
    }
    return render(request, "governance/exercise_list.html", context)


@login_required
@require_GET
def exercise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = actions.access_exercise(request.user, pk)
    context = {
        "exercise": exercise,
        "findings": exercise.findings.all(),
        "action_items": actions.visible_actions(request.user).filter(exercise=exercise),
        "can_change": actions.may(request.user, "exercise.change"),
        "can_add_action": actions.may_manage_actions(request.user),
        "finding_form": FindingForm(),
    }
    return render(request, "governance/exercise_detail.html", context)


def _exercise_form(request: HttpRequest, exercise: Exercise | None) -> HttpResponse:
    form = ExerciseForm(request.POST or None, instance=exercise)
    saved = save_or_none(
        form, lambda data: actions.check_save_exercise(request.user, data, exercise)
    )
    if saved is not None:
        messages.success(request, _("Exercise saved."))
        return redirect("governance:exercise-detail", saved.pk)
    return render(request, "governance/exercise_form.html", {"form": form, "exercise": exercise})


@login_required
@require_http_methods(["GET", "POST"])
def exercise_add(request: HttpRequest) -> HttpResponse:
    actions.require_all(request.user, "exercise.change")
    return _exercise_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def exercise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _exercise_form(request, actions.access_exercise(request.user, pk, "change"))


@login_required
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = actions.access_exercise(request.user, pk, "change")
    form = FindingForm(request.POST)
    if not form.is_valid():
        return back_with_error(
            request,
            "governance:exercise-detail",
            ValidationError(_("Describe the finding and choose its severity.")),
            pk,
        )
    actions.check_add_finding(request.user, exercise, form.cleaned_data)
    messages.success(request, _("Finding recorded."))
    return redirect("governance:exercise-detail", pk)
