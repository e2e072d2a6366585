"""Sharing groups and the labels (TLP, distribution) that every shared object carries.

``Shareable`` is the abstract base of every object that is shared between organizations
(indicators, sightings, STIX objects, ...). Who may see a row is decided in one function,
``siaga.sharing.visibility.visible_q``, which ``Shareable.restrict_extra`` applies to every
``objects.restrict(user, action)`` call, so UI, API, exports and TAXII all follow the same rule.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.sharing.choices import ALLOWED_DISTRIBUTIONS, TLP, Distribution


class SharingGroup(TimeStampedModel, RestrictedModel):
    """A named set of organizations that share with each other, such as the coordination group or
    the hospitals of one province. The owner organization manages its members."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="owned_sharing_groups",
        verbose_name=_("owner"),
    )
    members = models.ManyToManyField(
        "organizations.Organization",
        through="SharingGroupMember",
        related_name="sharing_groups",
        verbose_name=_("members"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sharing group")
        verbose_name_plural = _("sharing groups")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_org_q(cls, org_ids: frozenset[int]) -> Q:
        # An organization sees the groups it owns or belongs to.
        return Q(owner_id__in=sorted(org_ids)) | Q(
            pk__in=SharingGroupMember.objects.filter(organization_id__in=sorted(org_ids)).values(
                "sharing_group_id"
            )
        )


class SharingGroupMember(TimeStampedModel):
    """One organization's membership of a sharing group."""

    sharing_group = models.ForeignKey(
        SharingGroup, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("sharing-group member")
        verbose_name_plural = _("sharing-group members")
        constraints = [
            models.UniqueConstraint(
                fields=["sharing_group", "organization"], name="sharing_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sharing_group_id}:{self.organization_id}"


def validate_sharing(
    tlp: str, distribution: str, sharing_group: Any | None, has_recipients: bool = False
) -> None:
    """Refuse a TLP and distribution that contradict each other; errors name the field."""
    errors: dict[str, Any] = {}
    if distribution not in ALLOWED_DISTRIBUTIONS.get(tlp, frozenset()):
        errors["distribution"] = _(
            "%(tlp)s information cannot be shared as “%(distribution)s”."
        ) % {
            "tlp": TLP(tlp).label if tlp in TLP.values else tlp,
            "distribution": Distribution(distribution).label
            if distribution in Distribution.values
            else distribution,
        }
    if distribution == Distribution.SHARING_GROUP and sharing_group is None:
        errors["sharing_group"] = _("Choose the sharing group to share with.")
    if distribution != Distribution.SHARING_GROUP and sharing_group is not None:
        errors["sharing_group"] = _(
            "A sharing group is only used with the sharing-group distribution."
        )
    if errors:
        raise ValidationError(errors)


def _shareable_restrict_extra(queryset: Any, principal: Any, action: str) -> Any:
    from siaga.sharing.visibility import audience_for_principal, visible_q

    return queryset.filter(visible_q(audience_for_principal(principal), queryset.model))


class Shareable(RestrictedModel):
    """Base of every object shared between organizations: TLP 2.0, distribution, sharing group,
    the organization that is its source, and (for TLP:RED) the people it is addressed to."""

    restrict_org_field = "organization"
    restrict_owner_field = "created_by"
    restrict_extra = staticmethod(_shareable_restrict_extra)

    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.AMBER)
    distribution = models.CharField(
        _("distribution"),
        max_length=16,
        choices=Distribution.choices,
        default=Distribution.ORGANIZATION,
    )
    sharing_group = models.ForeignKey(
        SharingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sharing group"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source organization"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # TLP:RED goes to these people (and whoever created it) and nobody else.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named recipients")
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        validate_sharing(self.tlp, self.distribution, self.sharing_group)
