"""Pages of the risk register: the list (filters, overdue reviews marked), the CSV export, the heat
map, one risk with its rating history, reviews and links, the create and edit forms, and recording
a review.

Risks come from ``Risk.objects.restrict``: a constituent sees its own, the CERT, the coordination
group's members and auditors every risk; another's risk is a 404. Changing needs ``risk.change``
on the row (the CERT's staff; a constituent's administrator for its own).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.accounts.models import User
from siaga.accounts.roles import principal_for
from siaga.assessments.models import Assessment
from siaga.core.forms import add_validation_error
from siaga.exposures.models import Finding
from siaga.incidents.models import Incident
from siaga.risks import actions, inputs, summary
from siaga.risks.choices import RiskRatingKind
from siaga.risks.export import check_export_risks
from siaga.risks.filters import RiskFilterForm
from siaga.risks.forms import ReviewForm, RiskForm, initial_for
from siaga.risks.models import Risk
from siaga.risks.scale import get_scale

PAGE_SIZE = 50


def _filter_form(request: HttpRequest) -> RiskFilterForm:
    grant = principal_for(request.user).scopes("risk.view")
    owners = User.objects.filter(
        pk__in=actions.visible_risks(request.user).exclude(owner=None).values("owner")
    ).order_by("full_name", "email")
    return RiskFilterForm(
        request.GET or None,
        organizations=inputs.organizations_for(request.user, "view"),
        owners=owners,
        sector=grant.all,
    )


def _filtered(request: HttpRequest) -> tuple[RiskFilterForm, Any]:
    actions.require(request.user, "risk.view")
    form = _filter_form(request)
    risks = actions.visible_risks(request.user)
    if form.is_bound:
        risks = form.apply(risks)
    return form, risks


@login_required
@require_GET
def risk_list(request: HttpRequest) -> HttpResponse:
    form, risks = _filtered(request)
    page = Paginator(risks.order_by("-residual_score", "title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    principal = principal_for(request.user)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_add": principal.has_perm("risk.add"),
        "is_sector_reader": principal.scopes("risk.view").all,
    }
    return render(request, "risks/list.html", context)


class _Echo:
    """A file that hands back what is written, for csv.writer inside a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


@login_required
@require_GET
def risk_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered register as CSV, streamed; every export is audited."""
    form, risks = _filtered(request)
    rows = check_export_risks(
        request.user, risks.order_by("-residual_score", "title", "pk"), form.as_filters()
    )
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="risks-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _heat_figure(risks: Any, rating: str, title: str) -> dict[str, Any]:
    from siaga.dashboards.charts import figure_table, heat_map

    found = summary.heat_map(risks, rating=rating)
    x_title, y_title = _("Likelihood"), _("Impact")
    rows = [
        [label, *counts] for label, counts in zip(found.impact_labels, found.cells, strict=True)
    ]
    return {
        "title": title,
        "chart": heat_map(
            found.cells,
            row_labels=found.impact_labels,
            column_labels=found.likelihood_labels,
            title=title,
            x_title=x_title,
            y_title=y_title,
        ),
        "table": figure_table(
            [f"{y_title} \\ {x_title}", *found.likelihood_labels], rows, caption=title
        ),
    }


@login_required
@require_GET
def heat_map_page(request: HttpRequest) -> HttpResponse:
    """Inherent and residual heat maps of the risks not closed (the list's filters apply)."""
    form, risks = _filtered(request)
    active = risks.exclude(status="closed")
    context = {
        "form": form,
        "figures": [
            _heat_figure(active, "inherent", _("Inherent risk (before treatment)")),
            _heat_figure(active, "residual", _("Residual risk (after treatment)")),
        ],
        "levels_with_counts": list(
            zip(
                get_scale().levels,
                [count for _label, count in summary.open_risks_by_level(risks)],
                strict=True,
            )
        ),
        "total": active.count(),
    }
    return render(request, "risks/heat_map.html", context)


def _links(user: Any, risk: Risk) -> dict[str, Any]:
    """The linked incidents, findings and assessment that the user may see."""
    return {
        "assessment": Assessment.objects.restrict(user, "view")
        .select_related("campaign", "organization")
        .filter(pk=risk.assessment_id or 0)
        .first(),
        "incidents": risk.incidents.filter(
            pk__in=Incident.objects.restrict(user, "view").values("pk")
        ).order_by("reference"),
        "findings": risk.findings.filter(pk__in=Finding.objects.restrict(user, "view").values("pk"))
        .select_related("vulnerability", "inventory_item")
        .order_by("pk"),
    }


def _rating_rows(risk: Risk) -> list[dict[str, Any]]:
    scale = get_scale()
    rows = []
    for kind, label in RiskRatingKind.choices:
        likelihood, impact = getattr(risk, f"{kind}_likelihood"), getattr(risk, f"{kind}_impact")
        rows.append(
            {
                "label": label,
                "likelihood": likelihood,
                "likelihood_label": scale.likelihood_label(likelihood),
                "impact": impact,
                "impact_label": scale.impact_label(impact),
                "level": getattr(risk, f"{kind}_level"),
                "score": getattr(risk, f"{kind}_score"),
            }
        )
    return rows


@login_required
@require_GET
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = actions.access_risk(request.user, pk)
    context = {
        "risk": risk,
        "rating_rows": _rating_rows(risk),
        "ratings": risk.ratings.select_related("actor").order_by("-created_at", "-pk"),
        "reviews": risk.reviews.select_related("reviewer").order_by("-reviewed_at", "-pk"),
        "can_change": actions.may_change(request.user, risk),
        **_links(request.user, risk),
    }
    return render(request, "risks/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "risk.add")
    form = RiskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk = actions.check_create_risk(request.user, form.values())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Risk added to the register."))
            return redirect("risks:detail", pk=risk.pk)
    return render(request, "risks/form.html", {"form": form, "risk": None})


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = actions.access_risk(request.user, pk)
    if not actions.may_change(request.user, risk):
        raise PermissionDenied
    form = RiskForm(
        request.POST or None, user=request.user, risk=risk, initial=initial_for(request.user, risk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_change_risk(request.user, risk, form.values())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Risk updated."))
            return redirect("risks:detail", pk=risk.pk)
    return render(request, "risks/form.html", {"form": form, "risk": risk})


@login_required
@require_http_methods(["GET", "POST"])
def risk_review(request: HttpRequest, pk: int) -> HttpResponse:
    risk = actions.access_risk(request.user, pk)
    if not actions.may_change(request.user, risk):
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = actions.check_review_risk(
                request.user,
                risk,
                notes=form.cleaned_data["notes"],
                next_review_date=form.cleaned_data["next_review_date"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Review recorded; the next one is due on %(date)s.")
                % {"date": review.next_review_date.isoformat()},
            )
            return redirect("risks:detail", pk=risk.pk)
    return render(request, "risks/review.html", {"form": form, "risk": risk})
