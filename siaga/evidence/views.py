"""Pages of incident evidence: upload, details with the chain of custody, download, verification.

Views parse input, call an action from ``actions.py`` and render. Evidence, incidents and reports
outside the user's scope are a 404; visible ones the user may not add to or verify are a 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.audit.actions import record_sensitive_view
from siaga.core.forms import add_validation_error
from siaga.evidence.actions import (
    access_evidence,
    access_incident,
    access_report,
    check_add_evidence,
    check_download,
    check_verify,
    custody_log,
    may_add_to_incident,
    may_add_to_report,
    may_verify,
)
from siaga.evidence.forms import EvidenceUploadForm
from siaga.evidence.models import Evidence
from siaga.evidence.vault import VaultError
from siaga.incidents.models import Incident, Report


def attachment_response(evidence: Evidence, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    """The file as an opaque download, whatever it is: never rendered or sniffed by a browser."""
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, evidence.safe_name)
    response["Content-Length"] = str(evidence.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store, private"
    return response


def _upload(
    request: HttpRequest, *, incident: Incident | None, report: Report | None, back: str
) -> HttpResponse:
    bound = request.method == "POST"
    form = EvidenceUploadForm(request.POST if bound else None, request.FILES if bound else None)
    if form.is_bound and form.is_valid():
        try:
            evidence = check_add_evidence(
                request.user,
                incident=incident,
                report=report,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                sealed=form.cleaned_data["sealed"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Evidence stored."))
            return redirect("evidence:detail", pk=evidence.pk)
    context = {
        "form": form,
        "incident": incident,
        "report": report,
        "back": back,
        "max_mb": settings.SIAGA_EVIDENCE_MAX_MB,
    }
    return render(request, "evidence/upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_upload(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access_incident(request.user, pk)
    if not may_add_to_incident(request.user, incident):
        raise PermissionDenied
    back = reverse("incidents:detail", args=[incident.pk])
    return _upload(request, incident=incident, report=None, back=back)


@login_required
@require_http_methods(["GET", "POST"])
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(request.user, pk)
    if not may_add_to_report(request.user, report):
        raise PermissionDenied
    back = reverse("incidents:report-detail", args=[report.pk])
    return _upload(request, incident=None, report=report, back=back)


@login_required
@require_GET
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access_evidence(request.user, pk)
    record_sensitive_view(evidence)
    context: dict[str, Any] = {
        "evidence": evidence,
        "custody": custody_log(evidence),
        "can_verify": may_verify(request.user, evidence),
    }
    return render(request, "evidence/detail.html", context)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    evidence = access_evidence(request.user, pk)
    try:
        chunks = check_download(request.user, evidence)
    except VaultError as exc:
        messages.error(request, _("The file cannot be served: %(reason)s") % {"reason": exc})
        return redirect("evidence:detail", pk=evidence.pk)
    return attachment_response(evidence, chunks)


@login_required
@require_POST
def evidence_verify(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access_evidence(request.user, pk)
    event = check_verify(request.user, evidence)
    if event.succeeded:
        messages.success(request, _("The file is intact: its SHA-256 matches."))
    else:
        messages.error(request, event.note)
    return redirect("evidence:detail", pk=evidence.pk)
