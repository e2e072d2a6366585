"""The group page (agencies and representatives), the contact directory, and the terms of
reference with their approval trail."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.governance import actions
from siaga.governance.choices import TermsStatus
from siaga.governance.forms import RepresentativeForm, TermsVersionForm
from siaga.governance.models import Representative
from siaga.governance.views.common import back_with_error, save_or_none


@login_required
@require_GET
def group(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "representative.view")
    today = timezone.localdate()
    people = [
        rep
        for rep in actions.visible_representatives(request.user).order_by(
            "organization__kind", "organization__name", "role", "name"
        )
        if rep.is_active_on(today) or "all" in request.GET
    ]
    by_org = [(org, list(reps)) for org, reps in groupby(people, key=lambda rep: rep.organization)]
    listed = {org.pk for org, _reps in by_org}
    context = {
        "by_org": by_org,
        "without": [org for org in actions.group_organizations() if org.pk not in listed],
        "show_all": "all" in request.GET,
        "editable": {org.pk for org in actions.representable_organizations(request.user)},
        "can_add": actions.representable_organizations(request.user).exists(),
    }
    return render(request, "governance/group.html", context)


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "representative.view")
    today = timezone.localdate()
    people = [
        rep
        for rep in actions.visible_representatives(request.user).order_by(
            "organization__name", "name"
        )
        if rep.is_active_on(today)
    ]
    duty = []
    if actions.may(request.user, "oncallshift.view"):
        now = timezone.now()
        upcoming = actions.visible_shifts(request.user).filter(ends_at__gt=now)
        seen: dict[int, object] = {}
        for shift in upcoming.order_by("starts_at")[:500]:
            seen.setdefault(shift.user_id, shift.user)
        duty = list(seen.values())
    return render(request, "governance/directory.html", {"people": people, "duty": duty})


def _representative_form(request: HttpRequest, rep: Representative | None) -> HttpResponse:
    organizations = actions.representable_organizations(request.user)
    form = RepresentativeForm(request.POST or None, instance=rep, organizations=organizations)
    saved = save_or_none(
        form, lambda data: actions.check_save_representative(request.user, data, rep)
    )
    if saved is not None:
        messages.success(request, _("Representative saved."))
        return redirect("governance:group")
    return render(request, "governance/representative_form.html", {"form": form, "rep": rep})


@login_required
@require_http_methods(["GET", "POST"])
def representative_add(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "representative.change")
    return _representative_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def representative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rep = actions.access_representative(request.user, pk, "change")
    return _representative_form(request, rep)


# --- Terms of reference ---------------------------------------------------------------------------


@login_required
@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    actions.require(request.user, "termsofreference.view")
    versions = list(actions.visible_versions(request.user).prefetch_related("approvals"))
    current = next((v for v in versions if v.status == TermsStatus.APPROVED), None)
    context = {
        "document": actions.the_document(),
        "versions": versions,
        "current": current,
        "open_version": next((v for v in versions if v.status in actions.OPEN_STATUSES), None),
        "can_draft": actions.may(request.user, "termsofreference.change"),
    }
    return render(request, "governance/terms.html", context)


@login_required
@require_GET
def terms_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = actions.access_version(request.user, pk)
    approvals = version.approvals.select_related("organization", "approved_by")
    mine = actions.approving_organizations(request.user)
    approved_ids = {a.organization_id for a in approvals}
    context = {
        "version": version,
        "approvals": approvals,
        "pending": actions.pending_organizations(version)
        if version.status == TermsStatus.SUBMITTED
        else [],
        "can_edit": version.is_editable and actions.may(request.user, "termsofreference.change"),
        "can_approve": version.status == TermsStatus.SUBMITTED
        and any(org.pk not in approved_ids for org in mine)
        and actions.may(request.user, "termsofreference.approve"),
        "approve_for": [org for org in mine if org.pk not in approved_ids],
    }
    return render(request, "governance/terms_version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def terms_draft(request: HttpRequest) -> HttpResponse:
    actions.require_all(request.user, "termsofreference.change")
    base = actions.current_version()
    initial = {}
    if base is not None:
        initial = {"body_id": base.body_id, "body_en": base.body_en}
    form = TermsVersionForm(request.POST or None, initial=initial)
    saved = save_or_none(form, lambda data: actions.check_create_draft(request.user, data))
    if saved is not None:
        messages.success(request, _("Draft saved."))
        return redirect("governance:terms-version", saved.pk)
    return render(request, "governance/terms_form.html", {"form": form, "version": None})


@login_required
@require_http_methods(["GET", "POST"])
def terms_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = actions.access_version(request.user, pk, "change")
    form = TermsVersionForm(request.POST or None, instance=version)
    saved = save_or_none(form, lambda data: actions.check_update_draft(request.user, version, data))
    if saved is not None:
        messages.success(request, _("Draft saved."))
        return redirect("governance:terms-version", saved.pk)
    return render(request, "governance/terms_form.html", {"form": form, "version": version})


@login_required
@require_POST
def terms_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = actions.access_version(request.user, pk, "change")
    try:
        actions.check_submit(request.user, version)
    except ValidationError as exc:
        return back_with_error(request, "governance:terms-version", exc, pk)
    messages.success(request, _("Submitted for approval."))
    return redirect("governance:terms-version", pk)


@login_required
@require_POST
def terms_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = actions.access_version(request.user, pk, "approve")
    try:
        actions.check_approve(request.user, version)
    except ValidationError as exc:
        return back_with_error(request, "governance:terms-version", exc, pk)
    messages.success(request, _("Your approval is recorded."))
    return redirect("governance:terms-version", pk)
