"""What the MISP integration remembers: which MISP attribute became which indicator (so that a
re-import updates instead of duplicating, and a published feed keeps MISP's uuids), and the feeds
that MISP instances subscribe to."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel

FEED_TOKEN_PREFIX = "mispfeed_"  # noqa: S105  (a marker that makes leaked tokens easy to scan for)


class MispImportRecord(TimeStampedModel):
    """One MISP attribute (by event uuid and attribute uuid) and the indicator it was stored as,
    per importing organization (two organizations may import the same event).

    A MISP attribute of two values (``domain|ip``, ``filename|md5``) yields two records, told apart
    by ``part``. Not audited row by row: each import is one audit entry.
    """

    audit_enabled = False

    event_uuid = models.UUIDField(_("MISP event"), db_index=True)
    attribute_uuid = models.UUIDField(_("MISP attribute"))
    part = models.PositiveSmallIntegerField(_("part of a composite value"), default=0)
    event_info = models.CharField(_("event title"), max_length=200, blank=True)
    event_timestamp = models.DateTimeField(_("event timestamp"), null=True, blank=True)
    attribute_type = models.CharField(_("MISP type"), max_length=64)
    category = models.CharField(_("MISP category"), max_length=64, blank=True)
    # The indicator's source organization, kept here so that the key needs no join.
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    indicator = models.ForeignKey(
        "intel.Indicator",
        on_delete=models.CASCADE,
        related_name="misp_records",
        verbose_name=_("indicator"),
    )

    class Meta:
        verbose_name = _("MISP import record")
        verbose_name_plural = _("MISP import records")
        constraints = [
            models.UniqueConstraint(
                fields=["event_uuid", "organization", "attribute_uuid", "part"],
                name="misp_record_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_uuid}/{self.attribute_uuid}"


class MispFeed(TimeStampedModel, RestrictedModel):
    """A MISP-format feed of what one audience may see (an organization, or the public), reached by
    a secret token in its address so that a MISP instance can subscribe without a session. Only the
    token's hash is stored; the address is shown once, when the feed is created."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # None: the public feed (TLP:CLEAR, public distribution only).
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("audience organization"),
    )
    prefix = models.CharField(_("prefix"), max_length=20, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)

    audit_exclude_fields = ("token_hash", "last_fetched_at")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("MISP feed")
        verbose_name_plural = _("MISP feeds")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def generate_token() -> str:
        return FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_public(self) -> bool:
        return self.organization_id is None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
