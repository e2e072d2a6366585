"""Who may see a shared object: the one rule for UI, API, exports, feeds and TAXII.

An audience is either a signed-in person (their organizations, their sharing groups, themselves
for TLP:RED), an organization as a whole (a feed or export made for it: never TLP:RED, which is for
named people only), or the public (TLP:CLEAR objects distributed publicly).

The rule, for an object with TLP ``t`` and distribution ``d`` whose source is organization ``o``:

- TLP:RED: only the person who created it and its named recipients;
- otherwise the source organization always sees it, and beyond it:
  ``sharing_group`` → members of that (active) group; ``constituents`` → every member of any
  active organization, if ``t`` is CLEAR or GREEN; ``public`` → everyone, if ``t`` is CLEAR.

The TLP ceilings are checked here as well as on entry (``validate_sharing``) so that a row written
by a buggy importer still cannot travel further than its label allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from siaga.sharing.choices import TLP, Distribution


@dataclass(frozen=True)
class Audience:
    """Whom a query answers for."""

    user_id: int | None = None
    organization_ids: frozenset[int] = frozenset()
    sharing_group_ids: frozenset[int] = frozenset()
    is_member: bool = False  # belongs to some active organization: sees community objects

    @property
    def is_public(self) -> bool:
        return self.user_id is None and not self.organization_ids and not self.is_member


PUBLIC = Audience()


def _group_ids_of(organization_ids: frozenset[int]) -> frozenset[int]:
    from siaga.sharing.models import SharingGroupMember

    if not organization_ids:
        return frozenset()
    return frozenset(
        SharingGroupMember.objects.filter(
            organization_id__in=sorted(organization_ids),
            organization__is_active=True,
            sharing_group__is_active=True,
        ).values_list("sharing_group_id", flat=True)
    )


def audience_for_principal(principal: Any) -> Audience:
    """The audience of a signed-in user (cached on the principal for the request)."""
    cached = getattr(principal, "_sharing_audience", None)
    if cached is not None:
        return cached
    organization_ids = frozenset(org_id for org_id, _role in principal.roles)
    audience = Audience(
        user_id=principal.user_id,
        organization_ids=organization_ids,
        sharing_group_ids=_group_ids_of(organization_ids),
        is_member=bool(organization_ids) or principal.is_superuser,
    )
    principal._sharing_audience = audience
    return audience


def audience_for_user(user: Any) -> Audience:
    if user is None or not user.is_authenticated:
        return PUBLIC
    from siaga.accounts.roles import principal_for

    return audience_for_principal(principal_for(user))


def audience_for_organization(organization: Any) -> Audience:
    """An organization as a whole, e.g. the subscriber of a feed: never TLP:RED."""
    organization_ids = frozenset({organization.pk}) if organization.is_active else frozenset()
    return Audience(
        organization_ids=organization_ids,
        sharing_group_ids=_group_ids_of(organization_ids),
        is_member=bool(organization_ids),
    )


def visible_q(audience: Audience, model: Any, prefix: str = "") -> Q:
    """The condition for rows of the ``Shareable`` ``model`` that ``audience`` may see; with
    ``prefix`` (``"indicator__"``) the condition is on a related row of that model."""

    def field(name: str) -> str:
        return f"{prefix}{name}"

    reach = Q(**{field("distribution"): Distribution.PUBLIC, field("tlp"): TLP.CLEAR})
    if audience.is_member:
        reach |= Q(
            **{
                field("distribution"): Distribution.CONSTITUENTS,
                field("tlp") + "__in": [TLP.CLEAR, TLP.GREEN],
            }
        )
    if audience.organization_ids:
        reach |= Q(**{field("organization_id") + "__in": sorted(audience.organization_ids)})
    if audience.sharing_group_ids:
        reach |= Q(
            **{
                field("distribution"): Distribution.SHARING_GROUP,
                field("sharing_group_id") + "__in": sorted(audience.sharing_group_ids),
            }
        )
    condition = ~Q(**{field("tlp"): TLP.RED}) & reach
    if audience.user_id is not None:
        condition |= Q(**{field("tlp"): TLP.RED}) & (
            Q(**{field("created_by_id"): audience.user_id})
            | Q(**{field("pk") + "__in": _red_recipient_rows(model, audience.user_id)})
        )
    return condition


def _red_recipient_rows(model: Any, user_id: int) -> Any:
    # A subquery rather than a join, so a row with several recipients is not repeated.
    through = model._meta.get_field("recipients").remote_field.through
    source = model._meta.model_name
    return through.objects.filter(user_id=user_id).values(f"{source}_id")


def can_see(audience: Audience, obj: Any) -> bool:
    """The same rule as ``visible_q`` for one object in memory."""
    if obj.tlp == TLP.RED:
        if audience.user_id is None:
            return False
        return (
            obj.created_by_id == audience.user_id
            or obj.recipients.filter(pk=audience.user_id).exists()
        )
    if obj.organization_id in audience.organization_ids:
        return True
    if obj.distribution == Distribution.PUBLIC:
        return obj.tlp == TLP.CLEAR
    if obj.distribution == Distribution.CONSTITUENTS:
        return audience.is_member and obj.tlp in (TLP.CLEAR, TLP.GREEN)
    if obj.distribution == Distribution.SHARING_GROUP:
        return obj.sharing_group_id in audience.sharing_group_ids
    return False
