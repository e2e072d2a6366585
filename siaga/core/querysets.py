"""Permission scoping in one place: ``Model.objects.restrict(user, action)``.

Every list, detail page, API endpoint, export and search gets its rows through this method, so a
rule written here holds everywhere. A user's roles (``siaga.accounts.roles``) grant each permission
with a scope: every row (ALL), the rows of the organization the role is held in (ORG), or the rows
the user owns (OWN). Later layers (TLP, sharing groups) narrow the result in ``restrict_extra``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from siaga.accounts.models import User


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        from siaga.accounts.roles import principal_for

        if user is None or not user.is_authenticated:
            return self.none()
        principal = principal_for(user)
        grant = principal.scopes(f"{self.model._meta.model_name}.{action}")
        if grant.all:
            return self._restrict_extra(principal, action, self.all())
        condition = Q(pk__in=[])
        if grant.org_ids:
            condition |= self.model_org_q(grant.org_ids)
        if grant.own:
            condition |= self.model_owner_q(user)
        if condition == Q(pk__in=[]):
            return self.none()
        return self._restrict_extra(principal, action, self.filter(condition))

    def model_org_q(self, org_ids: frozenset[int]) -> Q:
        custom = getattr(self.model, "restrict_org_q", None)
        if custom is not None:
            return custom(org_ids)
        field = getattr(self.model, "restrict_org_field", None)
        if field is None:
            return Q(pk__in=[])
        return Q(**{f"{field}__in": sorted(org_ids)})

    def model_owner_q(self, user: Any) -> Q:
        field = getattr(self.model, "restrict_owner_field", None)
        if field is None:
            return Q(pk__in=[])
        return Q(**{field: user.pk})

    def _restrict_extra(self, principal: Any, action: str, queryset: Self) -> Self:
        hook = getattr(self.model, "restrict_extra", None)
        return hook(queryset, principal, action) if hook else queryset
