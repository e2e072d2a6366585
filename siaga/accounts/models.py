"""People who sign in, and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.accounts.choices import LanguageChoice, TimeZoneChoice, TokenScope
from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.core.querysets import RestrictedQuerySet

TOKEN_PREFIX = "siaga_"  # noqa: S105  (a marker that makes leaked tokens easy to scan for)


class SiagaUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """Users sign in with their e-mail address; there is no separate user name."""

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Their e-mail address is their login name."""

    holds_personal_data = True  # viewing a profile is written to the audit trail

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=LanguageChoice.choices,
        default=LanguageChoice.INDONESIAN,
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TimeZoneChoice.choices, default=TimeZoneChoice.WIB
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects: ClassVar[SiagaUserManager] = SiagaUserManager()

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @classmethod
    def restrict_org_q(cls, org_ids: frozenset[int]) -> models.Q:
        from siaga.organizations.models import Membership

        # A subquery, not a join: a user in two of the organizations must come back once.
        members = Membership.objects.filter(organization_id__in=sorted(org_ids)).values("user_id")
        return models.Q(pk__in=members)


def hash_token(raw: str) -> str:
    # The tokens are 256-bit random strings, so a fast hash suffices: no dictionary to guess from.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimeStampedModel, RestrictedModel):
    """A personal API token. Only its hash is stored; the token is shown once when created."""

    restrict_owner_field = "user"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=12, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    audit_exclude_fields = ("key_hash", "last_used_at", "last_used_ip")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def allows_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
