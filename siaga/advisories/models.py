"""Advisories the CERT writes: alerts, vulnerability advisories, announcements, situation reports.

An ``Advisory`` is the working copy, written in Bahasa Indonesia and English (each language its own
text, ``id_changed_at`` / ``en_changed_at`` flag a lagging translation). Publishing freezes the
working copy into an ``AdvisoryRevision`` (``content`` is the snapshot readers see, the CSAF export
and the PDF are built from it); an update edits the working copy again and publishes the next
revision, so the history is kept and readers never see an unreviewed text. ``AdvisoryRecipient``
is one constituent an advisory went to, why, and what it answered.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from siaga.advisories.choices import (
    AdvisoryKind,
    AdvisorySeverity,
    AdvisoryStatus,
    Answer,
    RecipientReason,
)
from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.sharing.choices import TLP
from siaga.vulns.choices import CvssSeverity
from siaga.vulns.models import validate_cve_id
from siaga.vulns.names import name_key, vendor_key

LANGUAGES = ("id", "en")
# The texts written once per language: ``title_id``, ``title_en``, ...
TEXT_FIELDS = ("title", "summary", "description", "remediation", "workarounds")


def _text(label: Any, language: str, *, short: bool = False) -> models.Field[Any, Any]:
    # Lazy, so the label is translated when shown, not when the module is imported.
    verbose = format_lazy("{} ({})", label, language)
    if short:
        return models.CharField(verbose, max_length=300, blank=True)
    return models.TextField(verbose, blank=True, max_length=50_000)


class Advisory(TimeStampedModel, RestrictedModel):
    """The working copy of one advisory (see the module's docstring)."""

    restrict_org_field = "organization"
    restrict_owner_field = "created_by"

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    tracking_id = models.CharField(_("tracking id"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=15, choices=AdvisoryKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AdvisoryStatus.choices, default=AdvisoryStatus.DRAFT
    )
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=AdvisorySeverity.choices,
        default=AdvisorySeverity.MEDIUM,
    )
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.CLEAR)
    # How many revisions have been published; 0 while the first draft has never been.
    version = models.PositiveIntegerField(_("published version"), default=0)

    title_id = _text(_("title"), "id", short=True)
    title_en = _text(_("title"), "en", short=True)
    summary_id = _text(_("summary"), "id")
    summary_en = _text(_("summary"), "en")
    description_id = _text(_("description"), "id")
    description_en = _text(_("description"), "en")
    remediation_id = _text(_("remediation"), "id")
    remediation_en = _text(_("remediation"), "en")
    workarounds_id = _text(_("workarounds"), "id")
    workarounds_en = _text(_("workarounds"), "en")
    # When each language's texts last changed: the older one lags behind.
    id_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    en_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # [{"url": "...", "summary": "..."}]
    references = models.JSONField(_("references"), default=list, blank=True)
    attack_techniques = models.ManyToManyField(
        "attack.Technique", blank=True, related_name="+", verbose_name=_("ATT&CK techniques")
    )
    incidents = models.ManyToManyField(
        "incidents.Incident", blank=True, related_name="advisories", verbose_name=_("incidents")
    )
    indicators = models.ManyToManyField(
        "intel.Indicator", blank=True, related_name="advisories", verbose_name=_("indicators")
    )
    vendor_advisory = models.ForeignKey(
        "vulns.VendorAdvisory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advisories",
        verbose_name=_("based on vendor advisory"),
    )

    # Who receives it, besides the constituents whose inventory matches an affected product.
    target_inventory = models.BooleanField(
        _("constituents running an affected product"), default=True
    )
    target_all = models.BooleanField(_("all constituents"), default=False)
    target_constituent_types = models.JSONField(_("constituent kinds"), default=list, blank=True)
    target_provinces = models.JSONField(_("provinces"), default=list, blank=True)
    target_vital_only = models.BooleanField(
        _("vital-infrastructure constituents only"), default=False
    )
    target_organizations = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="+",
        verbose_name=_("named constituents"),
    )

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing organization"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted for review by"),
    )
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    last_published_at = models.DateTimeField(_("last published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")
        ordering = ["-last_published_at", "-created_at", "pk"]
        indexes = [models.Index(fields=["status", "tlp"], name="advisories_status_tlp_idx")]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title_en or self.title_id}".strip()

    @classmethod
    def restrict_org_q(cls, org_ids: frozenset[int]) -> Q:
        """The issuing organization sees its working copies; a constituent sees an advisory once a
        revision of it has been published to it (``AdvisoryRecipient``). Public TLP:CLEAR ones are
        open to everyone through the public pages, not through this rule."""
        received = AdvisoryRecipient.objects.filter(
            advisory_id=OuterRef("pk"), organization_id__in=sorted(org_ids)
        )
        return Q(organization_id__in=sorted(org_ids)) | (Q(version__gt=0) & Q(Exists(received)))

    def text(self, name: str, language: str) -> str:
        """One of ``TEXT_FIELDS`` in one language, falling back to the other when it is empty."""
        other = "en" if language == "id" else "id"
        return str(getattr(self, f"{name}_{language}") or getattr(self, f"{name}_{other}"))

    @property
    def lagging_language(self) -> str | None:
        """The language whose texts are older than the other's, or None when they keep pace."""
        if self.id_changed_at and self.en_changed_at:
            if self.id_changed_at < self.en_changed_at:
                return "id"
            if self.en_changed_at < self.id_changed_at:
                return "en"
        return None


class AdvisoryCve(models.Model):
    """A CVE an advisory is about, with the CVSS vectors the CERT gives it (scored by ``cvss``)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="cves")
    cve_id = models.CharField(_("CVE identifier"), max_length=32, validators=[validate_cve_id])
    vulnerability = models.ForeignKey(
        "vulns.Vulnerability", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cvss3_vector = models.CharField(_("CVSS v3.1 vector"), max_length=200, blank=True)
    cvss3_score = models.DecimalField(
        _("CVSS v3.1 base score"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    cvss3_severity = models.CharField(max_length=10, choices=CvssSeverity.choices, blank=True)
    cvss4_vector = models.CharField(_("CVSS v4.0 vector"), max_length=300, blank=True)
    cvss4_score = models.DecimalField(
        _("CVSS v4.0 score"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    cvss4_severity = models.CharField(max_length=10, choices=CvssSeverity.choices, blank=True)

    class Meta:
        ordering = ["cve_id"]
        verbose_name = _("advisory CVE")
        verbose_name_plural = _("advisory CVEs")
        constraints = [
            models.UniqueConstraint(fields=["advisory", "cve_id"], name="advisory_cve_once")
        ]

    def __str__(self) -> str:
        return self.cve_id


class AdvisoryProduct(models.Model):
    """A product an advisory names as affected. ``versions`` takes the same notations as
    ``vulns.AffectedProduct.versions``; ``fixed_in`` is the version that fixes it, if any."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="products")
    vendor = models.CharField(_("vendor"), max_length=255)
    product = models.CharField(_("product"), max_length=500)
    versions = models.CharField(_("affected versions"), max_length=500, blank=True)
    fixed_in = models.CharField(_("fixed in version"), max_length=100, blank=True)
    cpe = models.CharField(_("CPE 2.3 name"), max_length=1000, blank=True)
    purl = models.CharField(_("package URL"), max_length=2000, blank=True)
    vendor_key = models.CharField(max_length=255, blank=True, editable=False)
    product_key = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["vendor", "product", "pk"]
        verbose_name = _("affected product")
        verbose_name_plural = _("affected products")

    def __str__(self) -> str:
        return " ".join(part for part in (self.vendor, self.product, self.versions) if part)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.vendor_key = vendor_key(self.vendor)[:255]
        self.product_key = name_key(self.product)[:500]
        super().save(*args, **kwargs)


class AdvisoryRevision(models.Model):
    """One published version of an advisory, frozen: what readers saw, who wrote and approved it."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    # Everything a reader or an export needs, as it was when published (see actions.snapshot).
    content = models.JSONField(_("content"))
    change_summary_id = models.CharField(_("what changed (id)"), max_length=500, blank=True)
    change_summary_en = models.CharField(_("what changed (en)"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["advisory", "-version"]
        verbose_name = _("advisory revision")
        verbose_name_plural = _("advisory revisions")
        constraints = [
            models.UniqueConstraint(fields=["advisory", "version"], name="advisory_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} v{self.version}"


class AdvisoryRecipient(TimeStampedModel, RestrictedModel):
    """One constituent an advisory went to: why, which of its systems matched, and its answer."""

    restrict_org_field = "organization"

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="advisories_received",
        verbose_name=_("constituent"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=RecipientReason.choices)
    # [{"id": inventory item pk, "label": "Vendor Product 1.2"}], kept as matched at the time.
    matched_items = models.JSONField(_("matching systems"), default=list, blank=True)
    notified_version = models.PositiveIntegerField(_("last version sent"), default=0)
    notified_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=15, choices=Answer.choices, blank=True)
    answer_comment = models.TextField(_("comment"), blank=True, max_length=5000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["advisory", "organization__name"]
        verbose_name = _("advisory recipient")
        verbose_name_plural = _("advisory recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["advisory", "organization"], name="advisory_recipient_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} → {self.organization_id}"
