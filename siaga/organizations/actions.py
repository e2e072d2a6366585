"""State changes of organizations, memberships and invitations.

``check_*`` validates a user's request (permission, then input) and calls the ``do_*`` that changes
state; ``access_*`` fetches one object the user may see. Every change is audited by the model
signals; e-mails are sent only after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.accounts.roles import Role, forget_principal, principal_for
from siaga.organizations.models import Invitation, Membership, Organization, hash_invitation_key

ORGANIZATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "constituent_type",
    "email",
    "website",
    "is_active",
)
SELF_SERVICE_FIELDS = ("short_name", "email", "website")  # what a constituent admin may change


def access_organization(user: Any, pk: int, action: str = "view") -> Organization:
    return get_object_or_404(Organization.objects.restrict(user, action), pk=pk)


def check_create_organization(user: Any, data: dict[str, Any]) -> Organization:
    if not principal_for(user).has_perm("organization.add"):
        raise PermissionDenied(_("You may not create organizations."))
    organization = Organization(**{k: v for k, v in data.items() if k in ORGANIZATION_FIELDS})
    organization.full_clean()
    organization.save()
    return organization


def check_update_organization(
    user: Any, organization: Organization, data: dict[str, Any]
) -> Organization:
    principal = principal_for(user)
    if not Organization.objects.restrict(user, "change").filter(pk=organization.pk).exists():
        raise PermissionDenied(_("You may not change this organization."))
    allowed = (
        ORGANIZATION_FIELDS if principal.scopes("organization.change").all else SELF_SERVICE_FIELDS
    )
    refused = sorted(set(data) - set(allowed))
    if refused:
        raise ValidationError({name: _("You may not change this field.") for name in refused})
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
    return locked


def _check_may_grant(user: Any, organization: Organization, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role not in organization.allowed_roles():
        raise ValidationError({"role": _("This role cannot be held in this kind of organization.")})
    if not principal_for(user).can_grant(role, organization.pk):
        raise PermissionDenied(_("You may not grant this role in this organization."))


def check_invite(user: Any, organization: Organization, email: str, role: str) -> Invitation:
    if not principal_for(user).has_perm("membership.add", organization.pk):
        raise PermissionDenied(_("You may not invite members to this organization."))
    _check_may_grant(user, organization, role)
    email = User.objects.normalize_email(email).lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    return do_invite(organization, email, role, invited_by=user)


def do_invite(organization: Organization, email: str, role: str, *, invited_by: Any) -> Invitation:
    key = Invitation.generate_key()
    with transaction.atomic():
        Invitation.objects.filter(
            organization=organization, email__iexact=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            email=email,
            organization=organization,
            role=role,
            key_hash=hash_invitation_key(key),
            invited_by=invited_by,
            expires_at=Invitation.default_expiry(),
        )
        language = getattr(invited_by, "language", settings.LANGUAGE_CODE)
        transaction.on_commit(lambda: send_invitation_email(invitation, key, language))
    return invitation


def invitation_url(key: str) -> str:
    return settings.SITE_URL + reverse("accounts:accept-invitation", args=[key])


def send_invitation_email(invitation: Invitation, key: str, language: str) -> None:
    context = {"invitation": invitation, "url": invitation_url(key), "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = _("Invitation to join %(organization)s on Siaga") % {
            "organization": invitation.organization.name
        }
        body = render_to_string("organizations/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def find_open_invitation(key: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(key_hash=hash_invitation_key(key))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def do_accept_invitation(invitation: Invitation, *, full_name: str, password: str | None) -> User:
    """Create the account (or reuse the one with that address) and add the membership."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValidationError(_("This invitation is no longer valid."))
        user = User.objects.filter(email__iexact=locked.email).first()
        if user is None:
            if not full_name.strip():
                raise ValidationError({"full_name": _("Please give your full name.")})
            candidate = User(email=locked.email, full_name=full_name.strip())
            validate_password(password or "", candidate)
            user = User.objects.create_user(
                email=locked.email, password=password, full_name=full_name.strip()
            )
        Membership.objects.get_or_create(
            user=user, organization=locked.organization, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    return user


def check_revoke_invitation(user: Any, invitation: Invitation) -> None:
    if not principal_for(user).has_perm("membership.change", invitation.organization_id):
        raise PermissionDenied(_("You may not revoke this invitation."))
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at or locked.revoked_at:
            raise ValidationError(_("This invitation is already closed."))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])


def check_change_role(user: Any, membership: Membership, role: str) -> Membership:
    if not Membership.objects.restrict(user, "change").filter(pk=membership.pk).exists():
        raise PermissionDenied(_("You may not change this membership."))
    _check_may_grant(user, membership.organization, role)
    if membership.user_id == user.pk:
        raise ValidationError({"role": _("You cannot change your own role.")})
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("organization")
            .get(pk=membership.pk)
        )
        locked.role = role
        locked.full_clean()
        locked.save()
    forget_principal(locked.user)
    return locked


def check_remove_member(user: Any, membership: Membership) -> None:
    if not Membership.objects.restrict(user, "change").filter(pk=membership.pk).exists():
        raise PermissionDenied(_("You may not remove this member."))
    if membership.user_id == user.pk:
        raise ValidationError(_("You cannot remove yourself."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            return  # removed by someone else meanwhile: the outcome asked for
        if (
            locked.role == Role.CONSTITUENT_ADMIN
            and not principal_for(user).scopes("membership.change").all
        ):
            # A hospital must not lock itself out: only the CERT removes a constituent administrator.
            raise PermissionDenied(_("Only the CERT can remove a constituent administrator."))
        locked.delete()


def check_reset_two_factor(user: Any, membership: Membership) -> None:
    """Remove a member's second factor (lost phone); they set up a new one at next sign-in."""
    from siaga.accounts.twofactor import do_reset_two_factor

    if not principal_for(user).has_perm("user.reset_two_factor"):
        raise PermissionDenied(_("Only the CERT's administrators can reset a second factor."))
    if membership.user_id == user.pk:
        raise ValidationError(_("You cannot reset your own second factor."))
    do_reset_two_factor(membership.user)


def _may_manage_invitations(user: Any, organization_id: int) -> bool:
    principal = principal_for(user)
    return principal.has_perm("membership.add", organization_id) or principal.has_perm(
        "membership.change", organization_id
    )


def access_invitations(user: Any, organization: Organization) -> QuerySet[Invitation]:
    """The invitations of an organization, for those who may invite or manage its members.

    Invitations have no permission of their own: whoever may add or change memberships in the
    organization sees them, as ``check_invite`` and ``check_revoke_invitation`` assume.
    """
    if not _may_manage_invitations(user, organization.pk):
        raise PermissionDenied(_("You may not see the invitations of this organization."))
    return Invitation.objects.filter(organization=organization).select_related("invited_by")


def access_invitation(user: Any, pk: int) -> Invitation:
    """One invitation; 404 unless the user may manage the invitations of its organization."""
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=pk)
    if not _may_manage_invitations(user, invitation.organization_id):
        raise Http404
    return invitation
