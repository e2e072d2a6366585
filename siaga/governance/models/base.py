"""What the governance models share: bilingual text fields, and rows that take their parent's
permissions (a decision is read and written under ``meeting.*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.utils.text import format_lazy

from siaga.core.querysets import RestrictedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from siaga.accounts.models import User


def bilingual(label: Any, language: str, *, short: bool = False) -> models.Field[Any, Any]:
    """One language's copy of a text; lazy label, translated when shown."""
    verbose = format_lazy("{} ({})", label, language)
    if short:
        return models.CharField(verbose, max_length=300, blank=True)
    return models.TextField(verbose, blank=True, max_length=50_000)


class ParentPermissionQuerySet(RestrictedQuerySet):
    """Rows without permissions of their own: ``restrict`` checks ``<permission_model>.<action>``.

    The governance records are read and written with ALL scope only (roles.py grants no ORG or OWN
    scope on them), so the parent's grant decides for every row at once.
    """

    def restrict(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        from siaga.accounts.roles import principal_for

        if user is None or not user.is_authenticated:
            return self.none()
        parent = self.model.permission_model  # type: ignore[attr-defined]
        if principal_for(user).scopes(f"{parent}.{action}").all:
            return self.all()
        return self.none()


class ParentPermissionManager(models.Manager.from_queryset(ParentPermissionQuerySet)):  # type: ignore[misc]
    """The manager of rows that take their parent's permissions."""
