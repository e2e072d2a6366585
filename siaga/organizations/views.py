"""Pages of organizations, their members and their invitations.

Views parse input, call an action from ``actions.py`` and render. An object outside the user's
scope is a 404 (its existence is not revealed); a visible object the user may not change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import Role, principal_for
from siaga.accounts.twofactor import has_confirmed_device
from siaga.audit.actions import record_personal_data_listing, record_sensitive_view
from siaga.core.forms import add_validation_error
from siaga.organizations.actions import (
    ORGANIZATION_FIELDS,
    SELF_SERVICE_FIELDS,
    access_invitation,
    access_invitations,
    access_organization,
    check_change_role,
    check_create_organization,
    check_invite,
    check_remove_member,
    check_reset_two_factor,
    check_revoke_invitation,
    check_update_organization,
)
from siaga.organizations.filters import OrganizationFilterForm
from siaga.organizations.forms import (
    InvitationForm,
    OrganizationForm,
    RoleForm,
    grantable_role_choices,
)
from siaga.organizations.models import Membership, Organization

PAGE_SIZE = 25


@login_required
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    filters = OrganizationFilterForm(request.GET)
    organizations = filters.apply(
        Organization.objects.restrict(request.user, "view").annotate(
            member_count=Count("memberships")
        )
    ).order_by("name")
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "can_create": principal_for(request.user).has_perm("organization.add"),
    }
    return render(request, "organizations/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("organization.add"):
        raise PermissionDenied
    form = OrganizationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            organization = check_create_organization(request.user, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Organization created."))
            return redirect("organizations:detail", pk=organization.pk)
    return render(request, "organizations/form.html", {"form": form, "organization": None})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access_organization(request.user, pk)
    principal = principal_for(request.user)
    if not principal.has_perm("organization.change", organization.pk):
        raise PermissionDenied
    # A constituent's own administrator keeps its contact details current; the CERT owns the rest.
    editable = (
        ORGANIZATION_FIELDS if principal.scopes("organization.change").all else SELF_SERVICE_FIELDS
    )
    form = OrganizationForm(
        request.POST if request.method == "POST" else None,
        instance=organization,
        editable=editable,
    )
    if form.is_bound and form.is_valid():
        try:
            check_update_organization(request.user, organization, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Organization saved."))
            return redirect("organizations:detail", pk=organization.pk)
    return render(request, "organizations/form.html", {"form": form, "organization": organization})


def _open_invitations(user: Any, organization: Organization) -> Any:
    return access_invitations(user, organization).filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )


@login_required
@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access_organization(request.user, pk)
    principal = principal_for(request.user)
    can_invite = principal.has_perm("membership.add", organization.pk) and bool(
        grantable_role_choices(principal, organization)
    )
    can_manage = principal.has_perm("membership.change", organization.pk)
    members = list(
        Membership.objects.restrict(request.user, "view")
        .filter(organization=organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    record_personal_data_listing(organization, len(members))  # names and e-mail addresses
    context = {
        "organization": organization,
        "members": members,
        "invitations": _open_invitations(request.user, organization)
        if can_invite or can_manage
        else [],
        "can_edit": principal.has_perm("organization.change", organization.pk),
        "can_invite": can_invite,
        "can_manage": can_manage,
    }
    return render(request, "organizations/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_invite(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access_organization(request.user, pk)
    principal = principal_for(request.user)
    if not principal.has_perm("membership.add", organization.pk):
        raise PermissionDenied
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        roles=grantable_role_choices(principal, organization),
    )
    if form.is_bound and form.is_valid():
        try:
            invitation = check_invite(
                request.user, organization, form.cleaned_data["email"], form.cleaned_data["role"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("organizations:detail", pk=organization.pk)
    return render(
        request, "organizations/invite.html", {"form": form, "organization": organization}
    )


def _access_membership(user: Any, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.restrict(user, "view").select_related("user", "organization"), pk=pk
    )


def _render_member(
    request: HttpRequest, membership: Membership, role_form: RoleForm | None = None
) -> HttpResponse:
    principal = principal_for(request.user)
    organization = membership.organization
    is_self = membership.user_id == request.user.pk
    can_change = not is_self and principal.has_perm("membership.change", organization.pk)
    roles = grantable_role_choices(principal, organization) if can_change else []
    if role_form is None and roles:
        role_form = RoleForm(initial={"role": membership.role}, roles=roles)
    can_reset = (
        principal.has_perm("user.reset_two_factor") and membership.user_id != request.user.pk
    )
    other_memberships = (
        Membership.objects.restrict(request.user, "view")
        .filter(user_id=membership.user_id)
        .exclude(pk=membership.pk)
        .select_related("organization")
    )
    # The profile shows personal data (e-mail, phone): every showing goes to the audit trail.
    record_sensitive_view(membership.user)
    context = {
        "membership": membership,
        "member": membership.user,
        "organization": organization,
        "other_memberships": other_memberships,
        "role_form": role_form,
        "can_change_role": bool(roles),
        "can_remove": can_change
        and (
            membership.role != Role.CONSTITUENT_ADMIN or principal.scopes("membership.change").all
        ),
        "can_reset_two_factor": can_reset,
        "has_two_factor": has_confirmed_device(membership.user) if can_reset else None,
    }
    return render(request, "organizations/member.html", context)


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_member(request, _access_membership(request.user, pk))


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _access_membership(request.user, pk)
    principal = principal_for(request.user)
    if not principal.has_perm("membership.change", membership.organization_id):
        raise PermissionDenied
    form = RoleForm(request.POST, roles=grantable_role_choices(principal, membership.organization))
    if form.is_valid():
        try:
            check_change_role(request.user, membership, form.cleaned_data["role"])
        except ValidationError as exc:
            add_validation_error(form, exc)
            membership.refresh_from_db()
        else:
            messages.success(request, _("Role changed."))
            return redirect("organizations:member", pk=membership.pk)
    return _render_member(request, membership, role_form=form)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _access_membership(request.user, pk)
    try:
        check_remove_member(request.user, membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organizations:member", pk=membership.pk)
    messages.success(
        request,
        _("%(name)s was removed from %(organization)s.")
        % {"name": membership.user, "organization": membership.organization},
    )
    return redirect("organizations:detail", pk=membership.organization_id)


@login_required
@require_POST
def member_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _access_membership(request.user, pk)
    try:
        check_reset_two_factor(request.user, membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The second factor of %(name)s was removed; they set up a new one at next sign-in.")
            % {"name": membership.user},
        )
    return redirect("organizations:member", pk=membership.pk)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = access_invitation(request.user, pk)
    try:
        check_revoke_invitation(request.user, invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("organizations:detail", pk=invitation.organization_id)
