"""Evidence files of incidents and reports, and their chain of custody."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.audit.models import AppendOnlyError
from siaga.core.models import RestrictedModel
from siaga.core.querysets import RestrictedQuerySet
from siaga.evidence.choices import CustodyAction, EvidenceFlag, EvidenceSource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from siaga.accounts.models import User


class EvidenceQuerySet(RestrictedQuerySet):
    """Evidence is scoped through what it belongs to, not through permissions of its own.

    Whoever may see an incident or a report may see the evidence attached to it, and whoever may
    change the incident may change its evidence. Deriving the scope from the incident and the report
    (rather than adding ``evidence.*`` grants to ``roles.py``) keeps one rule for both: TLP,
    sharing with other organizations and every later narrowing of ``Incident.restrict`` and
    ``Report.restrict`` reach the evidence automatically and cannot drift apart.
    """

    def restrict(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        from siaga.incidents.models import Incident

        if action == "view":
            return self.visible_to(user)
        if action == "change":
            return self.filter(incident__in=Incident.objects.restrict(user, "change"))
        return self.none()

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        from siaga.incidents.models import Incident, Report

        return self.filter(
            Q(incident__in=Incident.objects.restrict(user, "view"))
            | Q(report__in=Report.objects.restrict(user, "view"))
        )

    def of_incident(self, incident: Any) -> Self:
        """Evidence filed on the incident or on one of the reports it grew from."""
        return self.filter(Q(incident=incident) | Q(report__incident=incident))


class Evidence(RestrictedModel):
    """A file kept as evidence of an incident or a report, encrypted in the vault.

    ``original_name`` is the uploader's file name, for display only; ``safe_name`` is offered on
    download. ``sniffed_type`` is what the content really is; the file is nonetheless always served
    as an opaque attachment. The SHA-256 of the content, computed while it was stored, is what
    integrity verification and anyone outside Siaga compare against.
    """

    # Evidence often holds personal data (leaked records, mails): every view is audited.
    holds_personal_data = True
    audit_exclude_fields = ("storage_id",)

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("incident"),
    )
    report = models.ForeignKey(
        "incidents.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("report"),
    )
    original_name = models.CharField(_("original file name"), max_length=255)
    safe_name = models.CharField(_("file name"), max_length=150)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    declared_type = models.CharField(_("declared type"), max_length=100, blank=True)
    sniffed_type = models.CharField(_("detected type"), max_length=100)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    storage_id = models.CharField(_("storage id"), max_length=32, unique=True)
    key_id = models.CharField(_("key id"), max_length=16)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=EvidenceSource.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)

    objects: ClassVar[Any] = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False) | Q(report__isnull=False),
                name="evidence_belongs_to_incident_or_report",
            )
        ]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.safe_name} ({self.sha256[:12]})"

    def flag_labels(self) -> list[str]:
        labels = dict(EvidenceFlag.choices)
        return [str(labels.get(flag, flag)) for flag in self.flags]

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)


class CustodyEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Custody events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Custody events cannot be deleted.")


class CustodyEvent(models.Model):
    """One link in an evidence file's chain of custody: who did what with it, when, from where.

    Append-only: the ORM refuses to change or delete events (like the audit trail, whose chain also
    records each event's creation).
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody_events")
    action = models.CharField(_("action"), max_length=12, choices=CustodyAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The name at the time: custody must still say who it was after an account is removed.
    actor_label = models.CharField(_("by"), max_length=254, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    succeeded = models.BooleanField(_("succeeded"), default=True)
    note = models.TextField(_("note"), blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.action} by {self.actor_label or '—'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Custody events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Custody events cannot be deleted.")
