"""Exposure findings: a constituent's system that runs a product a vulnerability affects.

A ``Finding`` is made by the matching run (``actions.do_match_all``) for each pair of an inventory
item and a vulnerability one of whose affected products it runs, or by a feed event that saw the
constituent expose a service vulnerable to a CVE (``actions.attach_feed_events``; then it may have
no inventory item). It carries what the constituent needs to act on — KEV listing, EPSS, CVSS and a
due date from ``SIAGA_FINDING_DUE_DAYS`` — copied at match time and refreshed by each run, and its
remediation status. Each status change and comment is a ``FindingChange`` (who, when, from, to,
what they said) besides the audit trail's entry; ``FindingEvent`` keeps the feed sightings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.exposures.choices import (
    OPEN_STATUSES,
    Certainty,
    FindingSource,
    FindingStatus,
)
from siaga.vulns.choices import CvssSeverity


class Finding(TimeStampedModel, RestrictedModel):
    """One vulnerability on one constituent's system (or seen on its network by a feed)."""

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    # Empty for a finding made from a feed event only, or once the item was deleted.
    inventory_item = models.ForeignKey(
        "constituents.InventoryItem",
        verbose_name=_("system"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
    )
    vulnerability = models.ForeignKey(
        "vulns.Vulnerability",
        verbose_name=_("vulnerability"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    # The affected product that matched (one of them), to show why.
    matched_product = models.ForeignKey(
        "vulns.AffectedProduct",
        verbose_name=_("matched product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=FindingSource.choices, default=FindingSource.INVENTORY
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    certainty = models.CharField(
        _("certainty"), max_length=10, choices=Certainty.choices, default=Certainty.VERSION
    )
    matched_versions = models.CharField(_("affected versions"), max_length=500, blank=True)
    in_kev = models.BooleanField(_("in CISA KEV"), default=False)
    epss_score = models.FloatField(_("EPSS score"), null=True, blank=True)
    cvss_score = models.DecimalField(
        _("CVSS score"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    cvss_severity = models.CharField(
        _("severity"), max_length=10, choices=CvssSeverity.choices, blank=True
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    notified_at = models.DateTimeField(_("constituent notified"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    remediation_notes = models.TextField(_("remediation notes"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["due_date", "-cvss_score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory_item", "vulnerability"], name="finding_once_per_item"
            ),
            # A finding from feed events only is one per constituent and CVE.
            models.UniqueConstraint(
                fields=["organization", "vulnerability"],
                condition=models.Q(inventory_item__isnull=True, source="feed"),
                name="finding_once_per_feed_exposure",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="finding_org_status_idx"),
            models.Index(fields=["status", "due_date"], name="finding_status_due_idx"),
            models.Index(fields=["vulnerability", "status"], name="finding_vuln_status_idx"),
        ]

    def __str__(self) -> str:
        system = str(self.inventory_item) if self.inventory_item_id else _("exposed service")
        return f"{self.vulnerability} — {system}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class FindingChange(models.Model):
    """A status change or a comment on a finding: who, when, from what to what, and why."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="changes")
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty actor and ``automatic``: the matching run (e.g. resolved because it no longer matches).
    automatic = models.BooleanField(_("by the matching run"), default=False)
    old_status = models.CharField(
        _("from"), max_length=20, choices=FindingStatus.choices, blank=True
    )
    new_status = models.CharField(_("to"), max_length=20, choices=FindingStatus.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("finding change")
        verbose_name_plural = _("finding changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.old_status} → {self.new_status}"


class FindingEvent(models.Model):
    """A feed event that saw the finding's CVE exposed at one of the constituent's addresses.

    What is shown is copied here: events are removed by retention on their own schedule."""

    audit_enabled = False  # written in bulk by the attaching run, which records its own entry

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="feed_events")
    event_id = models.BigIntegerField(_("event"))
    feed_name = models.CharField(_("feed"), max_length=200, blank=True)
    source_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    source_port = models.IntegerField(_("port"), null=True, blank=True)
    observed_at = models.DateTimeField(_("seen"))

    class Meta:
        verbose_name = _("feed sighting")
        verbose_name_plural = _("feed sightings")
        ordering = ["-observed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "event_id"], name="finding_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.feed_name} {self.source_ip}:{self.source_port}"
