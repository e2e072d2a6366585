"""Pages of sector reports: the list, a report (preview, either language), its narrative,
regenerating, publishing, withdrawing, the PDF per language, and "generate now" (a job).

Readers see published reports; the CERT's staff see drafts too (``SectorReport.restrict_extra``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.core.forms import add_validation_error
from siaga.jobs.actions import check_start_job
from siaga.reports import actions
from siaga.reports.content import report_context
from siaga.reports.forms import GenerateForm, NarrativeForm
from siaga.reports.pdf import pdf_filename, report_pdf
from siaga.reports.tasks import GENERATE_JOB

PAGE_SIZE = 50
LANGUAGES = ("id", "en")


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    active = (get_language() or "id").split("-")[0]
    return active if active in LANGUAGES else "id"


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    _require(request, "sectorreport.view")
    reports = actions.visible_reports(request.user)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    principal = principal_for(request.user)
    context = {
        "page": page,
        "can_generate": principal.has_perm("sectorreport.add"),
        "form": GenerateForm(),
    }
    return render(request, "reports/list.html", context)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = actions.access_report(request.user, pk)
    principal = principal_for(request.user)
    language = _language(request)
    context = report_context(report, language)
    context.update(
        can_change=report.is_draft and principal.has_perm("sectorreport.change"),
        can_publish=principal.has_perm("sectorreport.publish"),
        report_languages=LANGUAGES,  # "languages" is base.html's language list
    )
    return render(request, "reports/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = actions.access_report(request.user, pk, "change")
    initial = {"narrative_id": report.narrative_id, "narrative_en": report.narrative_en}
    form = NarrativeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_narrative(
                request.user,
                report,
                form.cleaned_data["narrative_id"],
                form.cleaned_data["narrative_en"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Narrative saved."))
            return redirect("reports:detail", pk=report.pk)
    return render(request, "reports/edit.html", {"report": report, "form": form})


def _step(request: HttpRequest, pk: int, action: str, step: str, done: str) -> HttpResponse:
    report = actions.access_report(request.user, pk, action)
    try:
        getattr(actions, f"check_{step}")(request.user, report)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "change", "regenerate", _("The figures were taken again."))


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "publish", "publish", _("Sector report published."))


@login_required
@require_POST
def report_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "publish", "withdraw", _("Sector report withdrawn."))


@login_required
@require_GET
def report_pdf_download(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    report = actions.access_report(request.user, pk)
    if language not in LANGUAGES:
        raise PermissionDenied
    data = report_pdf(report, language)
    record_export(
        "reports.sectorreport",
        1,
        {"period": report.period.key(), "format": "pdf", "language": language},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report, language)}"'
    return response


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    """ "Generate now": a job that makes (or refreshes) the draft of the chosen period."""
    _require(request, "sectorreport.add")
    form = GenerateForm(request.POST)
    if form.is_valid():
        params = {
            "period_kind": form.cleaned_data["period_kind"],
            "day": form.cleaned_data["day"].isoformat(),
        }
        try:
            job = check_start_job(request.user, GENERATE_JOB, params)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The report is being generated."))
            return redirect("jobs:detail", pk=job.pk)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("reports:list")
