"""Pages of incident reports and incidents.

Views parse input, call an action from ``actions`` and render. An object outside the user's scope
is a 404 (its existence is not revealed); a visible object the user may not change is a 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_sensitive_view
from siaga.core.forms import add_validation_error
from siaga.core.middleware import client_ip
from siaga.incidents import public
from siaga.incidents.actions import (
    access_incident,
    access_report,
    check_assign,
    check_create_incident,
    check_submit_report,
    check_transition,
    check_triage_report,
    check_update_incident,
    submit_public_report,
)
from siaga.incidents.actions.deadlines import next_deadline
from siaga.incidents.actions.incidents import saved_filters
from siaga.incidents.choices import Channel, ClockStatus, ReportStatus
from siaga.incidents.filters import IncidentFilterForm, ReportFilterForm
from siaga.incidents.forms import (
    AssignForm,
    IncidentForm,
    PublicReportForm,
    ReportForm,
    TransitionForm,
    TriageForm,
)
from siaga.incidents.forms.lists import BulkForm, SavedFilterForm
from siaga.incidents.models import Incident, LegalClock, Report
from siaga.incidents.views.casework import casework_context, report_evidence_context
from siaga.incidents.views.deadlines import deadline_context

PAGE_SIZE = 25


def _raw_submission(request: HttpRequest) -> dict[str, Any]:
    """The form exactly as posted (less the CSRF token), kept with the report."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in request.POST.lists()
        if key != "csrfmiddlewaretoken"
    }


# --- Reports --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("report.add"):
        raise PermissionDenied
    form = ReportForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            report = check_submit_report(
                request.user,
                form.submission(),
                organization=form.cleaned_data.get("organization"),
                channel=Channel.WEB,
                raw=_raw_submission(request),
                client_address=client_ip(request),
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Report received. Its tracking id is %(id)s.") % {"id": report.tracking_id},
            )
            return redirect("incidents:report-detail", pk=report.pk)
    return render(request, "incidents/report_form.html", {"form": form})


def _public_form(request: HttpRequest) -> PublicReportForm:
    return PublicReportForm(
        initial={"form_token": public.issue_form_token(), "language": get_language() or "id"}
    )


@require_http_methods(["GET", "POST"])
def public_report(request: HttpRequest) -> HttpResponse:
    """The public form: anyone may report, robots are turned away with a clear message."""
    address = client_ip(request)
    if request.method == "GET":
        return render(request, "incidents/public_report.html", {"form": _public_form(request)})
    if public.rate_limit_reached(address):
        return render(request, "incidents/public_report_limited.html", status=429)
    form = PublicReportForm(request.POST)
    if form.is_valid():
        problem = (
            _("The form could not be accepted: a field meant to stay empty was filled in.")
            if form.cleaned_data["website"]
            else public.form_token_problem(form.cleaned_data["form_token"])
        )
        if problem:
            form.add_error(None, problem)
        else:
            try:
                report = submit_public_report(
                    form.submission(),
                    raw=_raw_submission(request),
                    client_address=address,
                    user=request.user,
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                public.count_submission(address)
                return render(request, "incidents/public_report_done.html", {"report": report})
    # A fresh token: the person fixing an error should not be refused for the old one's age.
    data = request.POST.copy()
    data["form_token"] = public.issue_form_token()
    form.data = data
    return render(request, "incidents/public_report.html", {"form": form}, status=400)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    filters = ReportFilterForm(request.GET, user=request.user)
    reports = filters.apply(
        Report.objects.restrict(request.user, "view").select_related("organization", "incident")
    ).order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    principal = principal_for(request.user)
    context = {
        "filters": filters,
        "page": page,
        "can_report": principal.has_perm("report.add"),
        "can_triage": principal.has_perm("report.triage"),
        "now": timezone.now(),  # how long each new report has waited
    }
    return render(request, "incidents/report_list.html", context)


def _render_report(
    request: HttpRequest, report: Report, triage_form: TriageForm | None = None, status: int = 200
) -> HttpResponse:
    can_triage = (
        principal_for(request.user).has_perm("report.triage") and report.status == ReportStatus.NEW
    )
    if can_triage and triage_form is None:
        triage_form = TriageForm(user=request.user)
    record_sensitive_view(report)  # the reporter's contact details are personal data
    context = {
        "report": report,
        # A posted form stays on the page with its errors, even once someone else triaged it.
        "triage_form": triage_form if can_triage or triage_form is not None else None,
        "incident_visible": report.incident_id is not None
        and Incident.objects.restrict(request.user, "view").filter(pk=report.incident_id).exists(),
        **report_evidence_context(request, report),
    }
    return render(request, "incidents/report_detail.html", context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, access_report(request.user, pk))


@login_required
@require_POST
def report_triage(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(request.user, pk)
    if not principal_for(request.user).has_perm("report.triage"):
        raise PermissionDenied
    form = TriageForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            triaged = check_triage_report(
                request.user,
                report,
                data["action"],
                incident_id=data["incident"].pk if data["incident"] else None,
                reason=data["reason"],
                note=data["note"],
                duplicate_of_id=data["duplicate_of"],
            )
        except ValidationError as exc:
            add_validation_error(form, _rename_triage_fields(exc))
        else:
            messages.success(request, _("Report triaged."))
            if triaged.incident_id and triaged.status == ReportStatus.TRIAGED:
                return redirect("incidents:detail", pk=triaged.incident_id)
            return redirect("incidents:report-detail", pk=triaged.pk)
    report.refresh_from_db()
    return _render_report(request, report, form, status=400)


def _rename_triage_fields(exc: ValidationError) -> ValidationError:
    """The action names API fields (``incident_id``); the form calls them ``incident``."""
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"incident_id": "incident", "duplicate_of_id": "duplicate_of"}
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


# --- Incidents ------------------------------------------------------------------------------------


def _running_clocks(user: Any) -> Prefetch:
    """Each row's running clocks in one query for the page (the "next due" column)."""
    clocks = LegalClock.objects.restrict(user, "view").filter(status=ClockStatus.RUNNING)
    return Prefetch("legal_clocks", queryset=clocks, to_attr="running_clocks")


def _with_next_deadlines(incidents: Any, now: datetime) -> list[Incident]:
    """The rows, each with ``next_deadline``: computed from the row and its prefetched clocks."""
    rows = list(incidents)
    for incident in rows:
        incident.next_deadline = next_deadline(incident, incident.running_clocks, now)
    return rows


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilterForm(request.GET, user=request.user)
    incidents = (
        filters.apply(Incident.objects.restrict(request.user, "view"))
        .select_related("assignee")
        .prefetch_related("affected_constituents", _running_clocks(request.user))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    page.object_list = _with_next_deadlines(page.object_list, now)
    principal = principal_for(request.user)
    can_bulk = principal.has_perm("incident.change") or principal.has_perm("incident.assign")
    context = {
        "filters": filters,
        "page": page,
        "now": now,
        "query_string": filters.query_string(),
        "can_create": principal.has_perm("incident.add"),
        "can_export": principal.has_perm("incident.export"),
        "bulk_form": BulkForm() if can_bulk else None,
        "saved_filters": list(saved_filters(request.user)),
        "saved_filter_form": SavedFilterForm(),
    }
    return render(request, "incidents/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("incident.add"):
        raise PermissionDenied
    form = IncidentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            incident = check_create_incident(request.user, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request, _("Incident %(reference)s opened.") % {"reference": incident.reference}
            )
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": None})


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access_incident(request.user, pk)
    if not principal_for(request.user).has_perm("incident.change"):
        raise PermissionDenied
    form = IncidentForm(request.POST if request.method == "POST" else None, instance=incident)
    if form.is_bound and form.is_valid():
        try:
            check_update_incident(request.user, incident, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Incident saved."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": incident})


def _render_incident(
    request: HttpRequest,
    incident: Incident,
    *,
    transition_form: TransitionForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = principal_for(request.user)
    can_change = principal.has_perm("incident.change")
    can_assign = principal.has_perm("incident.assign")
    record_sensitive_view(incident)  # TLP:RED: every view is recorded
    context = {
        "can_export_stix": principal.has_perm("incident.export"),
        "incident": incident,
        "affected": incident.affected_constituents.order_by("name"),
        "shared_with": incident.shared_with.order_by("name"),
        "history": incident.status_changes.select_related("changed_by"),
        "reports": Report.objects.restrict(request.user, "view")
        .filter(incident=incident)
        .select_related("organization")
        .order_by("created_at"),
        "can_change": can_change,
        "transition_form": (transition_form or TransitionForm(incident=incident))
        if can_change
        else None,
        "assign_form": (assign_form or AssignForm(initial={"assignee": incident.assignee_id}))
        if can_assign
        else None,
    }
    context.update(casework_context(request, incident))
    context.update(deadline_context(request.user, incident))
    return render(request, "incidents/detail.html", context, status=status)


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_incident(request, access_incident(request.user, pk))


@login_required
@require_POST
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access_incident(request.user, pk)
    if not principal_for(request.user).has_perm("incident.change"):
        raise PermissionDenied
    form = TransitionForm(request.POST, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            check_transition(
                request.user,
                incident,
                data["status"],
                closure_reason=data["closure_reason"],
                lessons_learned=data["lessons_learned"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("incidents:detail", pk=incident.pk)
    return _render_incident(request, incident, transition_form=form, status=400)


@login_required
@require_POST
def incident_assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access_incident(request.user, pk)
    if not principal_for(request.user).has_perm("incident.assign"):
        raise PermissionDenied
    form = AssignForm(request.POST)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            check_assign(request.user, incident, assignee.pk if assignee else None)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Assignment saved."))
            return redirect("incidents:detail", pk=incident.pk)
    return _render_incident(request, incident, assign_form=form, status=400)
