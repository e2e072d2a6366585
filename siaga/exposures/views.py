"""Pages of exposure findings: the list (filters), one finding with its history and the status
change / comment form, and starting a matching run.

Findings come from ``Finding.objects.restrict``: the CERT sees every finding, a constituent its
own; another's finding is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.exposures import actions
from siaga.exposures.filters import FindingFilterForm
from siaga.exposures.forms import FindingChangeForm
from siaga.exposures.models import Finding
from siaga.organizations.models import Organization

PAGE_SIZE = 50


def _organizations(request: HttpRequest) -> QuerySet[Organization]:
    grant = principal_for(request.user).scopes("finding.view")
    organizations = Organization.objects.filter(kind="constituent").order_by("name")
    return organizations if grant.all else organizations.filter(pk__in=grant.org_ids)


@login_required
@require_http_methods(["GET"])
def finding_list(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    if not principal.has_perm("finding.view"):
        raise PermissionDenied
    form = FindingFilterForm(request.GET or None, organizations=_organizations(request))
    findings = actions.visible_findings(request.user)
    if form.is_bound:
        findings = form.apply(findings)
    findings = findings.order_by("-in_kev", "due_date", "-cvss_score", "pk")
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_match": principal.has_perm("finding.add"),
        "is_cert": principal.scopes("finding.view").all,
    }
    return render(request, "exposures/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding: Finding = actions.access_finding(request.user, pk)
    can_change = Finding.objects.restrict(request.user, "change").filter(pk=pk).exists()
    form = FindingChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.check_change_finding(
                    request.user,
                    finding,
                    status=form.cleaned_data["status"] or None,
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("Finding updated."))
                return redirect("exposures:detail", pk=pk)
    context = {
        "finding": finding,
        "changes": finding.changes.select_related("actor").order_by("-created_at", "-pk"),
        "sightings": finding.feed_events.all()[:50],
        "form": form,
        "can_change": can_change,
    }
    return render(request, "exposures/detail.html", context)


@login_required
@require_POST
def start_match(request: HttpRequest) -> HttpResponse:
    from siaga.exposures.tasks import JOB_KIND
    from siaga.jobs.actions import check_start_job

    try:
        job = check_start_job(request.user, JOB_KIND, {})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exposures:list")
    messages.success(request, _("Matching started."))
    return redirect("jobs:detail", pk=job.pk)
