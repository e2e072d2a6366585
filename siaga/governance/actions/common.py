"""What the governance actions share: permission checks and the organizations of the group."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from siaga.accounts.roles import principal_for
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

GROUP_KINDS = (OrganizationKind.CERT, OrganizationKind.MEMBER_AGENCY)


def require(user: Any, permission: str) -> None:
    """Refuse unless the user holds the permission in some scope."""
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied


def require_all(user: Any, permission: str) -> None:
    """Refuse unless the user holds the permission over every row (the secretariat's writes)."""
    if not principal_for(user).scopes(permission).all:
        raise PermissionDenied


def may(user: Any, permission: str) -> bool:
    return bool(principal_for(user).has_perm(permission))


def group_organizations() -> QuerySet[Organization]:
    """The active organizations of the coordination group: the member agencies and the CERT."""
    return Organization.objects.filter(kind__in=GROUP_KINDS, is_active=True).order_by(
        "kind", "name"
    )


def member_agencies() -> QuerySet[Organization]:
    return Organization.objects.filter(
        kind=OrganizationKind.MEMBER_AGENCY, is_active=True
    ).order_by("name")


def apply(instance: Any, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
