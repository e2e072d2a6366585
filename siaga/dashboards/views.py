"""The dashboards: the CERT's (``dashboard.view_sector``) and a constituent's own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.accounts.roles import principal_for
from siaga.dashboards import mine, sector
from siaga.dashboards.forms import OrganizationForm, PeriodForm
from siaga.dashboards.panels import sector_panels


@login_required
@require_GET
def sector_dashboard(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    if not principal.has_perm("dashboard.view_sector"):
        raise PermissionDenied
    form = PeriodForm(request.GET)
    if request.GET and not form.is_valid():
        return render(request, "dashboards/sector.html", {"form": form, "panels": []}, status=400)
    period = form.chosen()
    data = sector.sector_figures(period)
    heat = sector.risk_heat_map(request.user) if principal.has_perm("risk.view") else None
    context = {"form": form, "period": period, "data": data, "panels": sector_panels(data, heat)}
    return render(request, "dashboards/sector.html", context)


@login_required
@require_GET
def my_dashboard(request: HttpRequest) -> HttpResponse:
    organizations = list(mine.organizations_of(request.user))
    if not organizations:
        raise PermissionDenied
    picker = OrganizationForm(request.GET, [(o.pk, o.name) for o in organizations])
    form = PeriodForm({k: v for k, v in request.GET.items() if k != "organization"})
    context = {"form": form, "picker": picker, "organizations": organizations, "panels": []}
    picked = picker.is_valid() if picker.is_bound else True
    if not picked or (form.is_bound and not form.is_valid()):
        return render(request, "dashboards/mine.html", context, status=400)
    chosen = picker.cleaned_data.get("organization") if picker.is_bound else None
    organization = (
        next((o for o in organizations if o.pk == chosen), None) if chosen else organizations[0]
    )
    if organization is None:
        raise Http404
    period = form.chosen()
    data = mine.gather(request.user, organization, period)
    context.update(organization=organization, period=period, data=data, panels=mine.panels(data))
    return render(request, "dashboards/mine.html", context)
