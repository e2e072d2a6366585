"""Pages of advisories: the list, writing (both languages side by side), one advisory with its
workflow buttons, who received it and what they answered, and a constituent's answer.

Views parse input, call ``actions`` and render. The CERT reads working copies; a constituent reads
the last published revision of the advisories sent to it (in its language) and answers them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.advisories import actions, distribution
from siaga.advisories.choices import AdvisoryStatus, Answer
from siaga.advisories.filters import AdvisoryFilterForm, filter_advisories
from siaga.advisories.forms import (
    TEXT_LABELS,
    AdvisoryForm,
    AnswerForm,
    ApproveForm,
    CveFormSet,
    ProductFormSet,
    ReferenceFormSet,
    ReturnForm,
    WithdrawForm,
    formset_rows,
)
from siaga.advisories.models import Advisory, AdvisoryRecipient
from siaga.core.forms import add_validation_error
from siaga.sharing.choices import TLP
from siaga.vulns.models import VendorAdvisory

PAGE_SIZE = 50


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


def _language() -> str:
    return (get_language() or "id").split("-")[0]


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def advisory_list(request: HttpRequest) -> HttpResponse:
    _require(request, "advisory.view")
    form = AdvisoryFilterForm(request.GET or None)
    working = actions.reads_working_copies(request.user)
    advisories = filter_advisories(
        actions.visible_advisories(request.user), form.filters(), search_titles=working
    ).order_by("-last_published_at", "-created_at", "-pk")
    if not working:
        advisories = distribution.with_revisions(advisories)
    page = Paginator(advisories, PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language()
    answers = dict(
        AdvisoryRecipient.objects.restrict(request.user, "view")
        .filter(advisory__in=list(page.object_list))
        .values_list("advisory_id", "answer")
    )
    rows = []
    for advisory in page.object_list:
        if working:
            title = advisory.text("title", language)
        else:
            revision = distribution.latest_revision(advisory)
            content = revision.content if revision else {}
            title = distribution.revision_texts(content, language).get("title", "")
        rows.append({"advisory": advisory, "title": title, "answer": answers.get(advisory.pk)})
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "working": working,
        "answer_labels": dict(Answer.choices),
        "can_create": principal_for(request.user).has_perm("advisory.add"),
    }
    return render(request, "advisories/list.html", context)


def _formsets(request: HttpRequest, advisory: Advisory | None) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, list[Any]] = {"cves": [], "products": [], "references": []}
    if advisory is not None:
        initial["cves"] = list(advisory.cves.values("cve_id", "cvss3_vector", "cvss4_vector"))
        initial["products"] = list(
            advisory.products.values("vendor", "product", "versions", "fixed_in", "cpe", "purl")
        )
        initial["references"] = list(advisory.references or [])
    return {
        "cves": CveFormSet(data, prefix="cves", initial=initial["cves"]),
        "products": ProductFormSet(data, prefix="products", initial=initial["products"]),
        "references": ReferenceFormSet(data, prefix="references", initial=initial["references"]),
    }


def _edit(request: HttpRequest, advisory: Advisory | None) -> HttpResponse:
    initial = AdvisoryForm.initial_for(advisory) if advisory is not None else {}
    form = AdvisoryForm(request.POST if request.method == "POST" else None, initial=initial)
    formsets = _formsets(request, advisory)
    if form.is_bound and form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
        data = form.changes()
        for name, formset in formsets.items():
            data[name] = formset_rows(formset)
        try:
            if advisory is None:
                saved = actions.check_create_advisory(request.user, data)
            else:
                saved = actions.check_update_advisory(request.user, advisory, data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name in list(exc.error_dict):
                    if name not in form.fields:
                        for message in exc.error_dict.pop(name):
                            form.add_error(None, f"{name}: {' '.join(message.messages)}")
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Advisory saved."))
            return redirect("advisories:detail", saved.pk)
    context = {"form": form, "formsets": formsets, "advisory": advisory}
    return render(request, "advisories/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def advisory_create(request: HttpRequest) -> HttpResponse:
    _require(request, "advisory.add")
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def advisory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = actions.access_advisory(request.user, pk, "change")
    if advisory.status in (AdvisoryStatus.IN_REVIEW, AdvisoryStatus.WITHDRAWN):
        messages.error(
            request,
            _(
                "An advisory in review must be returned to draft before editing; a withdrawn one stays."
            ),
        )
        return redirect("advisories:detail", advisory.pk)
    return _edit(request, advisory)


def _export_links(advisory: Advisory) -> list[tuple[str, str]]:
    """Links to the outputs of the last revision (CSAF per language, PDF, the public page of a
    TLP:CLEAR one), once the outputs' pages are mounted."""
    if not advisory.version:
        return []
    wanted: list[tuple[Any, str, dict[str, Any]]] = [
        (
            _("CSAF 2.0 (Bahasa Indonesia)"),
            "public_advisories:export-csaf",
            {"pk": advisory.pk, "language": "id"},
        ),
        (
            _("CSAF 2.0 (English)"),
            "public_advisories:export-csaf",
            {"pk": advisory.pk, "language": "en"},
        ),
        (_("PDF"), "public_advisories:export-pdf", {"pk": advisory.pk}),
    ]
    if advisory.tlp == TLP.CLEAR and advisory.status != AdvisoryStatus.WITHDRAWN:
        wanted.append(
            (_("Public page"), "public_advisories:detail", {"tracking_id": advisory.tracking_id})
        )
    links = []
    for label, name, kwargs in wanted:
        try:
            links.append((str(label), reverse(name, kwargs=kwargs)))
        except NoReverseMatch:
            continue
    return links


@login_required
@require_GET
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = actions.access_advisory(request.user, pk)
    principal = principal_for(request.user)
    language = _language()
    revision = distribution.latest_revision(advisory)
    context: dict[str, Any] = {
        "advisory": advisory,
        "revision": revision,
        "language": language,
        "export_links": _export_links(advisory),
    }
    if actions.sees_working_copy(request.user, advisory):
        may_change = Advisory.objects.restrict(request.user, "change").filter(pk=pk).exists()
        may_approve = principal.has_perm("advisory.approve", advisory.organization_id)
        context.update(
            {
                "working": True,
                "texts": [
                    (
                        TEXT_LABELS[name],
                        getattr(advisory, f"{name}_id"),
                        getattr(advisory, f"{name}_en"),
                    )
                    for name in actions.TEXT_FIELDS
                ],
                "revisions": advisory.revisions.select_related("author", "approved_by"),
                "may_change": may_change,
                "may_approve": may_approve,
                "four_eyes_block": request.user.pk
                in {advisory.created_by_id, advisory.submitted_by_id},
                "problems": actions.ready_problems(advisory)
                if advisory.status == AdvisoryStatus.DRAFT
                else [],
                "preview": actions.preview_recipients(advisory)
                if advisory.status in (AdvisoryStatus.IN_REVIEW, AdvisoryStatus.DRAFT)
                else [],
                "counts": actions.answer_counts(advisory),
                "approve_form": ApproveForm(),
                "return_form": ReturnForm(),
                "withdraw_form": WithdrawForm(),
            }
        )
        return render(request, "advisories/detail.html", context)
    content = revision.content if revision else {}
    mine = list(actions.received_by(request.user, advisory))
    answerable = {row.pk for row in actions.received_by(request.user, advisory, "change")}
    context.update(
        {
            "working": False,
            "content": content,
            "texts": distribution.revision_texts(content, language),
            "received": mine,
            "answerable": answerable,
            "answer_form": AnswerForm(),
        }
    )
    return render(request, "advisories/received.html", context)


def _workflow(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    advisory = actions.access_advisory(request.user, pk)
    try:
        if step == "submit":
            actions.check_submit(request.user, advisory)
            messages.success(request, _("Submitted for review."))
        elif step == "approve":
            form = ApproveForm(request.POST)
            form.is_valid()
            data = form.cleaned_data
            actions.check_approve(
                request.user,
                advisory,
                data.get("change_summary_id", ""),
                data.get("change_summary_en", ""),
            )
            messages.success(request, _("Published."))
        elif step == "return":
            actions.check_return(request.user, advisory, request.POST.get("comment", "")[:5000])
            messages.success(request, _("Returned to draft."))
        else:
            actions.check_withdraw(request.user, advisory, request.POST.get("reason", "")[:5000])
            messages.success(request, _("Withdrawn; the recipients are told."))
    except ValidationError as exc:
        _errors(request, exc)
    except actions.FourEyesError as exc:
        messages.error(request, str(exc))
    return redirect("advisories:detail", advisory.pk)


@login_required
@require_POST
def advisory_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, "submit")


@login_required
@require_POST
def advisory_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "advisory.approve")
    return _workflow(request, pk, "approve")


@login_required
@require_POST
def advisory_return(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "advisory.change")
    return _workflow(request, pk, "return")


@login_required
@require_POST
def advisory_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "advisory.approve")
    return _workflow(request, pk, "withdraw")


@login_required
@require_GET
def advisory_recipients(request: HttpRequest, pk: int) -> HttpResponse:
    """Who received it, why, which systems matched, what they answered and when, reminders."""
    advisory = actions.access_advisory(request.user, pk)
    if not actions.sees_working_copy(request.user, advisory):
        raise PermissionDenied
    recipients = actions.visible_recipients(request.user, advisory).select_related("answered_by")
    context = {
        "advisory": advisory,
        "recipients": recipients,
        "counts": actions.answer_counts(advisory),
        "answer_labels": dict(Answer.choices),
    }
    return render(request, "advisories/recipients.html", context)


@login_required
@require_POST
def advisory_answer(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = actions.access_advisory(request.user, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return redirect("advisories:detail", advisory.pk)
    organization = request.POST.get("organization", "")
    try:
        recipient = actions.recipient_for_answer(
            request.user, advisory, int(organization) if organization.isdigit() else None
        )
        actions.check_answer(
            request.user, recipient, form.cleaned_data["answer"], form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Thank you: your answer is recorded."))
    return redirect("advisories:detail", advisory.pk)


@login_required
@require_POST
def draft_from_vendor_advisory(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "advisory.add")
    vendor_advisory = get_object_or_404(
        VendorAdvisory.objects.restrict(request.user, "view"), pk=pk
    )
    advisory = actions.check_create_draft_from_vendor_advisory(request.user, vendor_advisory)
    messages.success(
        request, _("Draft created from the vendor's advisory: translate the Indonesian.")
    )
    return redirect("advisories:edit", advisory.pk)
