"""Pages of vulnerability intelligence: the vulnerability list and detail, the vendor advisories
(list, detail, the stored CSAF document), and the import page.

Views parse input, call ``actions`` and render. Everyone in an organization reads vulnerabilities;
vendor advisories and imports are the CERT's (``vendoradvisory.view``, ``vulnerability.add``).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views.decorators.http import require_GET, require_http_methods

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.vulns import actions
from siaga.vulns.filters import ORDERING, VulnerabilityFilterForm, filter_vulnerabilities
from siaga.vulns.forms import ImportForm
from siaga.vulns.models import VendorAdvisory

PAGE_SIZE = 50
SHOWN_PROBLEMS = 500

# The exposures app's "constituents running this" panel; included once it exists.
EXPOSURE_PANEL = "exposures/_exposure_panel.html"


def exposure_panel_available() -> bool:
    """Whether the exposures app's panel template exists (the pages work without it)."""
    try:
        get_template(EXPOSURE_PANEL)
    except TemplateDoesNotExist:
        return False
    return True


def exposure_panel(user: Any, **about: Any) -> dict[str, Any]:
    """The panel's context (``show_exposure_panel`` and what the exposures app gives it) for a
    vulnerability (``vulnerability=``) or a vendor advisory's products (``products=``)."""
    if not exposure_panel_available():
        return {"show_exposure_panel": False}
    try:
        from siaga.exposures.actions import exposure_panel_context
    except ImportError:
        return {"show_exposure_panel": False}
    return {"show_exposure_panel": True, **exposure_panel_context(user, **about)}


@login_required
@require_GET
def vulnerability_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "vulnerability.view")
    filters = VulnerabilityFilterForm(request.GET or None)
    rows = filter_vulnerabilities(
        actions.visible_vulnerabilities(request.user), **filters.filters()
    ).order_by(*ORDERING)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    principal = principal_for(request.user)
    context = {
        "page": page,
        "filters": filters,
        "can_import": principal.has_perm("vulnerability.add"),
        "can_see_advisories": principal.has_perm("vendoradvisory.view"),
    }
    return render(request, "vulns/list.html", context)


@login_required
@require_GET
def vulnerability_detail(request: HttpRequest, cve_id: str) -> HttpResponse:
    vulnerability = actions.access_vulnerability(request.user, cve_id)
    context = {
        "vulnerability": vulnerability,
        "products": actions.affected_by_source(vulnerability),
        "vendor_advisories": actions.advisories_naming(request.user, vulnerability),
        "can_see_advisories": principal_for(request.user).has_perm("vendoradvisory.view"),
        **exposure_panel(request.user, vulnerability=vulnerability),
    }
    return render(request, "vulns/detail.html", context)


@login_required
@require_GET
def advisory_list(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "vendoradvisory.view")
    advisories = actions.visible_vendor_advisories(request.user).order_by(
        "-current_release_date", "pk"
    )
    q = request.GET.get("q", "").strip()[:200]
    if q:
        advisories = advisories.filter(
            Q(title__icontains=q) | Q(tracking_id__icontains=q) | Q(publisher_name__icontains=q)
        )
    page = Paginator(advisories, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "can_import": principal_for(request.user).has_perm("vendoradvisory.add"),
    }
    return render(request, "vulns/advisory_list.html", context)


@login_required
@require_GET
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = actions.access_vendor_advisory(request.user, pk)
    context = {
        "advisory": advisory,
        "cves": actions.advisory_cves(advisory),
        "products": actions.advisory_products(advisory),
        "remediations": actions.remediations(advisory),
        "warnings": actions.document_warnings(advisory),
        **exposure_panel(request.user, products=actions.advisory_affected(advisory)),
        "may_draft_advisory": principal_for(request.user).has_perm("advisory.add"),
    }
    return render(request, "vulns/advisory_detail.html", context)


def csaf_response(advisory: VendorAdvisory) -> HttpResponse:
    """The stored document as a JSON download."""
    response = HttpResponse(
        json.dumps(advisory.document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in advisory.tracking_id.lower())
    response["Content-Disposition"] = f'attachment; filename="{name or "advisory"}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def advisory_csaf(request: HttpRequest, pk: int) -> HttpResponse:
    return csaf_response(actions.access_vendor_advisory(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "vulnerability.add")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if form.is_bound and form.is_valid():
        files = [(upload.name or "", upload.read()) for upload in form.cleaned_data["file"]]
        try:
            result = actions.check_import(request.user, form.cleaned_data["kind"], files)
        except ValidationError as exc:
            add_validation_error(form, exc)
    context = {
        "form": form,
        "result": result,
        "summary": actions.import_summary(result) if result else None,
        "problems": result.problems[:SHOWN_PROBLEMS] if result else [],
        "more_problems": max(0, len(result.problems) - SHOWN_PROBLEMS) if result else 0,
    }
    return render(request, "vulns/import.html", context)
