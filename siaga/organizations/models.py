"""Organizations (the CERT, member agencies, constituents), who belongs to them, and invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.accounts.roles import ROLES_BY_ORGANIZATION_KIND, Role
from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.organizations.choices import ConstituentType, OrganizationKind

INVITATION_VALID_FOR = timedelta(days=7)


class Organization(TimeStampedModel, RestrictedModel):
    """The CERT, a coordination-group member agency, or a constituent (hospital, clinic, ...)."""

    restrict_org_field = "pk"

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    constituent_type = models.CharField(
        _("constituent type"), max_length=20, choices=ConstituentType.choices, blank=True
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == OrganizationKind.CONSTITUENT and not self.constituent_type:
            raise ValidationError(
                {"constituent_type": _("A constituent needs a constituent type.")}
            )
        if self.kind != OrganizationKind.CONSTITUENT and self.constituent_type:
            raise ValidationError(
                {"constituent_type": _("Only constituents have a constituent type.")}
            )

    def allowed_roles(self) -> frozenset[str]:
        return ROLES_BY_ORGANIZATION_KIND[self.kind]


class Membership(TimeStampedModel, RestrictedModel):
    """A user's role in one organization. A user may belong to several organizations."""

    restrict_org_field = "organization"
    restrict_owner_field = "user"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["organization__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"

    def clean(self) -> None:
        if self.organization_id and self.role not in self.organization.allowed_roles():
            raise ValidationError(
                {"role": _("This role cannot be held in this kind of organization.")}
            )


def hash_invitation_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(TimeStampedModel, RestrictedModel):
    """An invitation by e-mail to join an organization with a role; the link works once."""

    restrict_org_field = "organization"

    email = models.EmailField(_("e-mail address"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_exclude_fields = ("key_hash",)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def default_expiry() -> datetime:
        return timezone.now() + INVITATION_VALID_FOR

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
