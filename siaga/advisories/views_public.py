"""Public pages of TLP:CLEAR advisories (no sign-in), their RSS/Atom feeds, the CSAF provider
directory under ``/.well-known/csaf/``, and the CSAF/PDF downloads of any advisory for the people
who may read it (staff and recipients, signed in).

Public means what ``exports.public.public_revisions`` yields: the latest revision of a published
(or being-updated) advisory that is TLP:CLEAR, not withdrawn. Everything else is a 404, exactly as
if it did not exist. A withdrawn advisory that was public answers 410 Gone with a short notice
(tracking id, title of its last revision, when and why it was withdrawn), not its content.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity
from siaga.advisories.exports import provider
from siaga.advisories.exports.csaf import csaf_document, csaf_filename
from siaga.advisories.exports.feeds import build_feed
from siaga.advisories.exports.pdf import advisory_pdf, pdf_filename
from siaga.advisories.exports.public import (
    access_latest_revision,
    latest_revision,
    public_revision,
    public_revisions,
    revision_context,
    withdrawn_public_advisory,
)
from siaga.advisories.models import LANGUAGES, AdvisoryRevision
from siaga.advisories.snapshot import text
from siaga.audit.actions import record_export

PAGE_SIZE = 25


def content_language(request: HttpRequest) -> str:
    """The language of the advisory's text: ``?lang=`` if it is one of ours, else the page's."""
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        return asked
    current = (get_language() or "id").split("-")[0]
    return current if current in LANGUAGES else "id"


# --- Public pages ---------------------------------------------------------------------------------


@require_GET
def advisory_list(request: HttpRequest) -> HttpResponse:
    language = content_language(request)
    page = Paginator(public_revisions(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "revision": revision,
            "title": text(revision.content, "title", language),
            "summary": text(revision.content, "summary", language),
            "kind_label": AdvisoryKind(revision.content["kind"]).label,
            "severity_label": AdvisorySeverity(revision.content["severity"]).label,
        }
        for revision in page.object_list
    ]
    return render(
        request,
        "advisories/public/list.html",
        {"page": page, "rows": rows, "language": language},
    )


@require_GET
def advisory_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    language = content_language(request)
    revision = public_revision(tracking_id)
    if revision is None:
        withdrawn = withdrawn_public_advisory(tracking_id)
        if withdrawn is None:
            raise Http404
        last = latest_revision(withdrawn)
        title = text(last.content, "title", language) if last else ""
        return render(
            request,
            "advisories/public/withdrawn.html",
            {"advisory": withdrawn, "title": title, "language": language},
            status=410,
        )
    context = revision_context(revision, language)
    context["revision"] = revision
    return render(request, "advisories/public/detail.html", context)


@require_GET
def advisory_csaf(request: HttpRequest, tracking_id: str, language: str) -> HttpResponse:
    revision = public_revision(tracking_id)
    if revision is None or language not in LANGUAGES:
        raise Http404
    return _csaf_response(revision, language)


@require_GET
def feed(request: HttpRequest, language: str, kind: str) -> HttpResponse:
    if language not in LANGUAGES or kind not in ("rss", "atom"):
        raise Http404
    built = build_feed(kind, language)
    content_type = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    response = HttpResponse(content_type=f"{content_type}; charset=utf-8")
    built.write(response, "utf-8")
    return response


# --- CSAF provider directory ---------------------------------------------------------------------


@require_GET
def provider_metadata(request: HttpRequest) -> HttpResponse:
    return JsonResponse(provider.provider_metadata(), json_dumps_params={"indent": 2})


@require_GET
def csaf_directory(request: HttpRequest) -> HttpResponse:
    return _text(provider.index_txt(provider.directory_entries()))


@require_GET
def csaf_index(request: HttpRequest) -> HttpResponse:
    return _text(provider.index_txt(provider.directory_entries()))


@require_GET
def csaf_changes(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        provider.changes_csv(provider.directory_entries()), content_type="text/csv; charset=utf-8"
    )


@require_GET
def csaf_file(request: HttpRequest, year: str, filename: str, suffix: str) -> HttpResponse:
    entry = provider.find_entry(year, filename)
    if entry is None:
        raise Http404
    content = provider.document_bytes(entry.revision)
    if suffix == "":
        return HttpResponse(content, content_type="application/json")
    return _text(provider.hash_line(content, filename, suffix.lstrip(".")))


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


# --- Downloads for staff and recipients ------------------------------------------------------------


@login_required
@require_GET
def export_csaf(request: HttpRequest, pk: str, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404
    revision = access_latest_revision(request.user, int(pk))
    record_export(
        "advisories.advisory",
        1,
        {"tracking_id": revision.advisory.tracking_id, "format": "csaf", "language": language},
    )
    response = _csaf_response(revision, language)
    response["Content-Disposition"] = (
        f'attachment; filename="{csaf_filename(revision.advisory.tracking_id)}"'
    )
    return response


@login_required
@require_GET
def export_pdf(request: HttpRequest, pk: str) -> HttpResponse:
    revision = access_latest_revision(request.user, int(pk))
    record_export(
        "advisories.advisory", 1, {"tracking_id": revision.advisory.tracking_id, "format": "pdf"}
    )
    response = HttpResponse(advisory_pdf(revision), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(revision)}"'
    return response


def _csaf_response(revision: AdvisoryRevision, language: str) -> HttpResponse:
    document = csaf_document(revision, language)
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json"
    )
