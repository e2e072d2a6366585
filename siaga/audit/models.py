"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.audit.choices import AuditAction
from siaga.core.models import RestrictedModel
from siaga.core.querysets import RestrictedQuerySet

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntryQuerySet(RestrictedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(RestrictedModel):
    """One event: who did what to which object, when, from where.

    ``entry_hash`` covers every other field and the previous entry's hash, so an entry edited,
    deleted or moved in the database breaks the chain where ``siaga audit verify`` finds it.
    """

    audit_enabled = False

    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # Plain values, not foreign keys: deleting a user must not rewrite history.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    via = models.CharField(_("via"), max_length=10, blank=True)
    action = models.CharField(
        _("action"), max_length=30, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Text, not an IP field: the database must hand back exactly what was hashed.
    ip_address = models.CharField(_("IP address"), max_length=45, null=True, blank=True)  # noqa: DJ001
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects: ClassVar[Any] = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def hashed_content(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "via": self.via,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "changes": self.changes,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.hashed_content(), sort_keys=True, separators=(",", ":"), default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChainHead(models.Model):
    """The single row that holds the chain's newest sequence number and hash.

    Appending locks this row, so entries get gapless sequence numbers in commit order; the head also
    lets verification notice entries cut off the end of the chain.
    """

    audit_enabled = False

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
