"""State changes of sharing groups: creating, editing, members joining and leaving, deactivating.

``check_*`` checks the user's permission and the input, then changes state; ``do_*`` changes state
for a caller that already checked; ``access_*`` fetches one group the user may see (404 otherwise).

Who manages a group: the CERT staff of its owner organization, and the CERT's administrators (who
run the platform). Members' people see the group and its member list, read-only. Rows are audited
by the model signals (``siaga.audit.signals``); membership changes are also recorded on the group
itself, so the group's history reads "hospital X joined" without joining two object types.

Membership changes take effect on the next request: a person's audience (organizations and
groups) is computed once per request (``siaga.sharing.visibility.audience_for_principal``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import CERT_STAFF_ROLES, Role, principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.sharing.models import SharingGroup, SharingGroupMember

GROUP_FIELDS = ("name", "description")


# --- Reading -------------------------------------------------------------------------------------


def visible_groups(user: Any) -> QuerySet[SharingGroup]:
    """The groups the user may see, each with ``member_count``."""
    return (
        SharingGroup.objects.restrict(user, "view")
        .select_related("owner")
        .annotate(member_count=Count("memberships", distinct=True))
    )


def access_group(user: Any, pk: int) -> SharingGroup:
    return get_object_or_404(visible_groups(user), pk=pk)


def members_of(group: SharingGroup) -> QuerySet[SharingGroupMember]:
    return group.memberships.select_related("organization").order_by("organization__name")


def may_create_groups(user: Any) -> bool:
    if not principal_for(user).has_perm("sharinggroup.add"):
        return False
    return ownable_organizations(user).exists()


def may_manage(user: Any, group: SharingGroup) -> bool:
    """The owner's CERT staff, or a CERT administrator, holding ``sharinggroup.change``."""
    principal = principal_for(user)
    if not SharingGroup.objects.restrict(user, "change").filter(pk=group.pk).exists():
        return False
    if principal.is_superuser or Role.CERT_ADMIN in principal.role_names:
        return True
    return group.owner_id in _staff_org_ids(user)


def _staff_org_ids(user: Any) -> set[int]:
    return {org_id for org_id, role in principal_for(user).roles if role in CERT_STAFF_ROLES}


def _ownable_ids(user: Any) -> set[int] | None:
    """The organizations the user may make a group's owner; None means any CERT organization."""
    principal = principal_for(user)
    if principal.is_superuser or Role.CERT_ADMIN in principal.role_names:
        return None
    return _staff_org_ids(user)


def ownable_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations a new group may belong to: the user's own CERT (any CERT for admins)."""
    candidates = Organization.objects.filter(kind=OrganizationKind.CERT, is_active=True)
    ids = _ownable_ids(user)
    if ids is not None:
        candidates = candidates.filter(pk__in=sorted(ids))
    return candidates.order_by("name")


def addable_organizations(user: Any, group: SharingGroup) -> QuerySet[Organization]:
    """Active organizations the user can see that are not members yet."""
    return (
        Organization.objects.restrict(user, "view")
        .filter(is_active=True)
        .exclude(pk__in=group.memberships.values("organization_id"))
        .order_by("name")
    )


def addable_organizations_for_new_group(user: Any) -> QuerySet[Organization]:
    return Organization.objects.restrict(user, "view").filter(is_active=True).order_by("name")


def access_organization(user: Any, pk: Any, field: str = "organization") -> Organization:
    """An organization the user may see, named by an id from the client; else a field error."""
    try:
        return Organization.objects.restrict(user, "view").get(pk=int(pk))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise ValidationError({field: _("Unknown organization.")}) from None


# --- Creating and editing ------------------------------------------------------------------------


def _refuse_unknown_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    # Names are unique: say so on the field rather than fail in the database.
    taken = SharingGroup.objects.filter(name__iexact=name.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": _("A sharing group with this name exists already.")})


def _choose_owner(user: Any, owner: Organization | None) -> Organization:
    ids = _ownable_ids(user)
    if owner is None:
        candidates = ownable_organizations(user)
        if not candidates.exists():
            raise PermissionDenied(_("Only the CERT's staff create sharing groups."))
        return candidates[0]
    if owner.kind != OrganizationKind.CERT or not owner.is_active:
        raise ValidationError({"owner": _("A sharing group is owned by an active CERT.")})
    if ids is not None and owner.pk not in ids:
        raise ValidationError({"owner": _("You may only create groups for your own CERT.")})
    return owner


def check_create_group(user: Any, data: dict[str, Any]) -> SharingGroup:
    """Create a group owned by the user's CERT (or ``owner``), with ``members`` as first members.

    The owner is always a member: it shares in its own group.
    """
    if not principal_for(user).has_perm("sharinggroup.add"):
        raise PermissionDenied(_("You may not create sharing groups."))
    _refuse_unknown_fields(data, (*GROUP_FIELDS, "owner", "members"))
    owner = _choose_owner(user, data.get("owner"))
    members = {org.pk: org for org in data.get("members") or []}
    members[owner.pk] = owner
    _refuse_inactive(members.values(), "members")
    group = SharingGroup(
        name=(data.get("name") or "").strip(),
        description=data.get("description") or "",
        owner=owner,
    )
    _check_name_free(group.name)
    group.full_clean()
    with transaction.atomic():
        try:
            group.save()
        except IntegrityError:  # the same name, created by someone else a moment ago
            raise ValidationError(
                {"name": _("A sharing group with this name exists already.")}
            ) from None
        SharingGroupMember.objects.bulk_create(
            SharingGroupMember(sharing_group=group, organization=org) for org in members.values()
        )
        _record_members(group, added=members.values())
    return group


def check_change_group(user: Any, group: SharingGroup, data: dict[str, Any]) -> SharingGroup:
    """Rename or describe a group (``is_active``: False deactivates, True reactivates)."""
    _check_may_manage(user, group)
    _refuse_unknown_fields(data, (*GROUP_FIELDS, "is_active"))
    if "name" in data:
        data = {**data, "name": (data["name"] or "").strip()}
        _check_name_free(data["name"], exclude_pk=group.pk)
    with transaction.atomic():
        locked = SharingGroup.objects.select_for_update().get(pk=group.pk)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
    return locked


def check_deactivate_group(user: Any, group: SharingGroup) -> SharingGroup:
    _check_may_manage(user, group)
    return do_deactivate_group(group)


def do_deactivate_group(group: SharingGroup) -> SharingGroup:
    """Stop the group: objects shared with it are seen by their source organization only.

    The rows stay (objects still point at the group), and so does the member list, so the group
    can be reactivated as it was.
    """
    with transaction.atomic():
        locked = SharingGroup.objects.select_for_update().get(pk=group.pk)
        if locked.is_active:
            locked.is_active = False
            locked.save(update_fields=["is_active", "updated_at"])
    return locked


# --- Members -------------------------------------------------------------------------------------


def check_add_member(user: Any, group: SharingGroup, organization: Organization) -> None:
    _check_may_manage(user, group)
    _refuse_inactive([organization], "organization")
    with transaction.atomic():
        locked = SharingGroup.objects.select_for_update().get(pk=group.pk)
        if not locked.is_active:
            raise ValidationError(_("The group is deactivated; reactivate it first."))
        _membership, created = SharingGroupMember.objects.get_or_create(
            sharing_group=locked, organization=organization
        )
        if not created:
            raise ValidationError(
                {"organization": _("%(name)s is a member already.") % {"name": organization.name}}
            )
        _record_members(locked, added=[organization])


def check_remove_member(user: Any, group: SharingGroup, organization: Organization) -> None:
    """Remove an organization; its people stop seeing what is shared with the group."""
    _check_may_manage(user, group)
    if organization.pk == group.owner_id:
        raise ValidationError(
            {"organization": _("The owner organization cannot leave its own group.")}
        )
    with transaction.atomic():
        locked = SharingGroup.objects.select_for_update().get(pk=group.pk)
        membership = SharingGroupMember.objects.filter(
            sharing_group=locked, organization=organization
        ).first()
        if membership is None:
            raise ValidationError(
                {"organization": _("%(name)s is not a member.") % {"name": organization.name}}
            )
        membership.delete()
        _record_members(locked, removed=[organization])


def _check_may_manage(user: Any, group: SharingGroup) -> None:
    if not may_manage(user, group):
        raise PermissionDenied(_("Only the owner's CERT staff manage this sharing group."))


def _refuse_inactive(organizations: Iterable[Organization], field: str) -> None:
    inactive = sorted(org.name for org in organizations if not org.is_active)
    if inactive:
        raise ValidationError(
            {
                field: _("Inactive organizations cannot join: %(names)s.")
                % {"names": ", ".join(inactive)}
            }
        )


def _record_members(
    group: SharingGroup,
    added: Iterable[Organization] = (),
    removed: Iterable[Organization] = (),
) -> None:
    changes: dict[str, Any] = {}
    for key, organizations in (("members_added", added), ("members_removed", removed)):
        if listed := [{"id": org.pk, "name": org.name} for org in organizations]:
            changes[key] = listed
    do_record_event(AuditAction.UPDATE, group, changes=changes)
