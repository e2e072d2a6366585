"""Pages of the indicator store: the list, one indicator with its sightings, adding and editing.

Views parse input, call an action from ``siaga.intel.actions`` and render. An indicator the user
may not see is a 404 (its existence is not revealed); one they see but may not change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.intel.actions import (
    IndicatorInput,
    access_indicator,
    check_add_indicator,
    check_add_sighting,
    check_bulk_add_lines,
    check_change_indicator,
    check_delete_indicator,
)
from siaga.intel.decay import score
from siaga.intel.filters import IndicatorFilterForm
from siaga.intel.forms import BulkAddForm, IndicatorEditForm, IndicatorForm, SightingForm
from siaga.intel.models import Indicator, Sighting

PAGE_SIZE = 50


@login_required
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    filters = IndicatorFilterForm(request.GET, user=request.user)
    indicators = (
        filters.apply(Indicator.objects.restrict(request.user, "view"))
        .select_related("organization")
        .order_by("-last_seen", "-pk")
    )
    page = Paginator(indicators, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for indicator in page.object_list:
        indicator.score_now = score(indicator, now)
    return render(
        request,
        "intel/list.html",
        {
            "filters": filters,
            "page": page,
            "can_add": principal_for(request.user).has_perm("indicator.add"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("indicator.add"):
        raise PermissionDenied
    form = IndicatorForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            indicator, created = check_add_indicator(request.user, form.action_data())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            if created:
                messages.success(request, _("Indicator added."))
            else:
                messages.info(request, _("Your organization already had it; the two were merged."))
            return redirect("intel:indicator-detail", pk=indicator.pk)
    return render(request, "intel/form.html", {"form": form})


def correlation_link(indicator: Indicator) -> str | None:
    """The correlation page of the indicator's value, if that page exists in this installation."""
    try:
        base = reverse("correlation:value")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode({'type': indicator.type, 'value': indicator.value})}"


@login_required
@require_GET
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access_indicator(request.user, pk)
    sightings = (
        Sighting.objects.restrict(request.user, "view")
        .filter(indicator=indicator)
        .select_related("organization", "observed_by")
        .order_by("-last_seen", "-pk")[:200]
    )
    principal = principal_for(request.user)
    can_change = Indicator.objects.restrict(request.user, "change").filter(pk=pk).exists()
    can_delete = Indicator.objects.restrict(request.user, "delete").filter(pk=pk).exists()
    return render(
        request,
        "intel/detail.html",
        {
            "indicator": indicator,
            "score": indicator.current_score,
            "sightings": sightings,
            "recipients": indicator.recipients.order_by("full_name", "email"),
            "correlation_url": correlation_link(indicator),
            "can_change": can_change,
            "can_delete": can_delete,
            "sighting_form": SightingForm() if principal.has_perm("sighting.add") else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access_indicator(request.user, pk)
    if not Indicator.objects.restrict(request.user, "change").filter(pk=pk).exists():
        raise PermissionDenied
    form = IndicatorEditForm(
        request.POST if request.method == "POST" else None,
        indicator=indicator,
        user=request.user,
    )
    if form.is_bound and form.is_valid():
        try:
            check_change_indicator(request.user, indicator, form.action_data())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("intel:indicator-detail", pk=indicator.pk)
    return render(request, "intel/form.html", {"form": form, "indicator": indicator})


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access_indicator(request.user, pk)
    check_delete_indicator(request.user, indicator)
    messages.success(request, _("Indicator %(value)s deleted.") % {"value": indicator.value})
    return redirect("intel:indicator-list")


@login_required
@require_POST
def sighting_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access_indicator(request.user, pk)
    if not principal_for(request.user).has_perm("sighting.add"):
        raise PermissionDenied
    form = SightingForm(request.POST)
    if form.is_valid():
        try:
            check_add_sighting(request.user, indicator, form.action_data())
        except ValidationError as exc:
            _show_errors(request, exc)
        else:
            messages.success(request, _("Sighting recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("intel:indicator-detail", pk=indicator.pk)


def _show_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_add(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("indicator.add"):
        raise PermissionDenied
    form = BulkAddForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            result, problems = check_bulk_add_lines(
                request.user,
                form.cleaned_data["values"],
                kind=form.cleaned_data["type"],
                template=_template(form.cleaned_data),
                labels=form.sharing_data(),
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            return render(
                request, "intel/bulk_result.html", {"result": result, "problems": problems}
            )
    return render(request, "intel/bulk_add.html", {"form": form})


def _template(cleaned: dict[str, Any]) -> IndicatorInput:
    return IndicatorInput(
        type="",
        value="",
        confidence=cleaned["confidence"],
        tags=cleaned.get("tags") or [],
        description=cleaned.get("description") or "",
    )


def added_message(created: int, updated: int) -> str:
    return ngettext(
        "%(created)d indicator added, %(updated)d merged into known ones.",
        "%(created)d indicators added, %(updated)d merged into known ones.",
        created,
    ) % {"created": created, "updated": updated}
