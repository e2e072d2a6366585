"""Pages of sharing groups.

Views parse input, call an action from ``actions.py`` and render. A group outside the user's
scope is a 404 (its existence is not revealed); a visible group the user may not manage is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.core.forms import add_validation_error
from siaga.sharing import actions
from siaga.sharing.filters import SharingGroupFilterForm
from siaga.sharing.group_forms import AddMemberForm, SharingGroupForm

PAGE_SIZE = 25
MEMBERS_PAGE_SIZE = 100


def _form_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _managed_group(request: HttpRequest, pk: int) -> Any:
    group = actions.access_group(request.user, pk)
    if not actions.may_manage(request.user, group):
        raise PermissionDenied
    return group


@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    filters = SharingGroupFilterForm(request.GET)
    groups = filters.apply(actions.visible_groups(request.user)).order_by("name", "pk")
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "can_create": actions.may_create_groups(request.user),
    }
    return render(request, "sharing/group_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    if not actions.may_create_groups(request.user):
        raise PermissionDenied
    form = SharingGroupForm(
        _form_data(request),
        owners=actions.ownable_organizations(request.user),
        candidates=actions.addable_organizations_for_new_group(request.user),
    )
    if form.is_bound and form.is_valid():
        try:
            group = actions.check_create_group(request.user, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Sharing group created."))
            return redirect("sharing:group-detail", pk=group.pk)
    return render(
        request, "sharing/group_form.html", {"form": form, "title": _("New sharing group")}
    )


@login_required
@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = actions.access_group(request.user, pk)
    can_manage = actions.may_manage(request.user, group)
    members = actions.members_of(group)
    if search := request.GET.get("q", "").strip()[:100]:
        members = members.filter(organization__name__icontains=search)
    context = {
        "group": group,
        # A national group holds thousands of hospitals: a page of them at a time.
        "members": Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page")),
        "search": search,
        "can_manage": can_manage,
        "add_form": AddMemberForm(candidates=actions.addable_organizations(request.user, group))
        if can_manage and group.is_active
        else None,
    }
    return render(request, "sharing/group_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed_group(request, pk)
    form = SharingGroupForm(_form_data(request), instance=group)
    if form.is_bound and form.is_valid():
        try:
            actions.check_change_group(request.user, group, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Sharing group saved."))
            return redirect("sharing:group-detail", pk=group.pk)
    context = {"form": form, "group": group, "title": _("Edit sharing group")}
    return render(request, "sharing/group_form.html", context)


@login_required
@require_POST
def group_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed_group(request, pk)
    actions.check_deactivate_group(request.user, group)
    messages.success(request, _("Sharing group deactivated."))
    return redirect("sharing:group-detail", pk=group.pk)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed_group(request, pk)
    form = AddMemberForm(
        request.POST, candidates=actions.addable_organizations(request.user, group)
    )
    if form.is_valid():
        organization = form.cleaned_data["organization"]
        try:
            actions.check_add_member(request.user, group, organization)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s added.") % {"name": organization.name})
    else:
        messages.error(request, _("Choose an organization that is not a member yet."))
    return redirect("sharing:group-detail", pk=group.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, org_id: int) -> HttpResponse:
    group = _managed_group(request, pk)
    membership = get_object_or_404(actions.members_of(group), organization_id=org_id)
    try:
        actions.check_remove_member(request.user, group, membership.organization)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s removed.") % {"name": membership.organization.name})
    return redirect("sharing:group-detail", pk=group.pk)
