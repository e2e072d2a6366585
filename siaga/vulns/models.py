"""Vulnerability intelligence: one row per CVE, filled by the importers in ``siaga.vulns.importers``.

A ``Vulnerability`` gathers what three public sources say about one CVE: the CVE record itself
(description, dates, CVSS v3.1 / v4.0 vectors scored by the ``cvss`` library, CWEs, references),
CISA's Known Exploited Vulnerabilities catalog (the ``kev_*`` fields) and FIRST's EPSS scores (the
``epss_*`` fields). Each importer owns its fields; ``last_source`` and ``last_imported_at`` say
which importer last *changed* the row (an import that changes nothing leaves them alone, so a
repeated import is a true no-op).

``VendorAdvisory`` keeps a vendor's or coordinator's CSAF 2.0 document as received (the medical-device
advisories of CISA's ICSMA series, for example); ``AffectedProduct`` is one product a source names as
affected (or fixed) by one vulnerability, from a CSAF product tree, a CVE record's ``affected`` list or
a KEV entry, with vendor and product reduced to keys (``siaga.vulns.names``) for exposure matching.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.sharing.choices import TLP
from siaga.vulns.choices import (
    CvssSeverity,
    ImportSource,
    KnownRansomware,
    ProductSource,
    ProductStatus,
)
from siaga.vulns.names import name_key, vendor_key

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The number part has at least four digits and, per the CVE program, no upper bound (the KEV
# schema allows 19).
CVE_ID_PATTERN = r"^CVE-[0-9]{4}-[0-9]{4,19}$"
CVE_ID_RE = re.compile(CVE_ID_PATTERN)
CWE_ID_RE = re.compile(r"^CWE-[0-9]+$")

validate_cve_id = RegexValidator(
    CVE_ID_PATTERN, _("Enter a CVE identifier such as CVE-2024-12345."), code="invalid_cve"
)


def _score_field(label: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )


def _probability_field(label: StrOrPromise) -> models.FloatField:
    return models.FloatField(
        label, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )


class Vulnerability(TimeStampedModel, RestrictedModel):
    """A CVE as the CERT knows it: the record, its CVSS scores, KEV listing and EPSS score."""

    cve_id = models.CharField(
        _("CVE identifier"), max_length=32, unique=True, validators=[validate_cve_id]
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)
    # A REJECTED CVE record keeps its row (findings and advisories may point at it) but says so.
    rejected = models.BooleanField(_("rejected"), default=False)
    rejected_reason = models.TextField(_("reason for rejection"), blank=True)

    cvss3_vector = models.CharField(_("CVSS v3.1 vector"), max_length=200, blank=True)
    cvss3_score = _score_field(_("CVSS v3.1 base score"))
    cvss3_severity = models.CharField(
        _("CVSS v3.1 severity"), max_length=10, choices=CvssSeverity.choices, blank=True
    )
    cvss4_vector = models.CharField(_("CVSS v4.0 vector"), max_length=300, blank=True)
    cvss4_score = _score_field(_("CVSS v4.0 score"))
    cvss4_severity = models.CharField(
        _("CVSS v4.0 severity"), max_length=10, choices=CvssSeverity.choices, blank=True
    )
    cwe_ids = models.JSONField(_("CWE identifiers"), default=list, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)

    in_kev = models.BooleanField(_("in CISA KEV"), default=False)
    kev_date_added = models.DateField(_("added to KEV"), null=True, blank=True)
    kev_due_date = models.DateField(_("KEV due date"), null=True, blank=True)
    kev_vendor_project = models.CharField(_("KEV vendor or project"), max_length=255, blank=True)
    kev_product = models.CharField(_("KEV product"), max_length=255, blank=True)
    kev_vulnerability_name = models.CharField(
        _("KEV vulnerability name"), max_length=500, blank=True
    )
    kev_required_action = models.TextField(_("KEV required action"), blank=True)
    kev_known_ransomware = models.CharField(
        _("known ransomware campaign use"),
        max_length=10,
        choices=KnownRansomware.choices,
        blank=True,
    )
    kev_notes = models.TextField(_("KEV notes"), blank=True)

    epss_score = _probability_field(_("EPSS score"))
    epss_percentile = _probability_field(_("EPSS percentile"))
    epss_date = models.DateField(_("EPSS score date"), null=True, blank=True)

    last_source = models.CharField(
        _("last changed by"), max_length=10, choices=ImportSource.choices, blank=True
    )
    last_imported_at = models.DateTimeField(_("last changed by an import"), null=True, blank=True)

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        ordering = ["-published", "cve_id"]
        indexes = [
            models.Index(fields=["in_kev"], name="vulns_in_kev_idx"),
            models.Index(fields=["epss_score"], name="vulns_epss_score_idx"),
        ]

    def __str__(self) -> str:
        return self.cve_id


class VendorAdvisory(TimeStampedModel, RestrictedModel):
    """A CSAF 2.0 document from a vendor or coordinator, kept whole as received; re-importing the
    same ``(publisher_namespace, tracking_id)`` replaces it when its ``current_release_date`` is
    newer and changes nothing otherwise."""

    publisher_name = models.CharField(_("publisher"), max_length=255)
    publisher_namespace = models.URLField(_("publisher namespace"), max_length=500)
    tracking_id = models.CharField(_("tracking id"), max_length=255)
    title = models.CharField(_("title"), max_length=500)
    category = models.CharField(_("CSAF category"), max_length=100)
    lang = models.CharField(_("language"), max_length=35, blank=True)
    # CSAF 2.0 carries TLP 1.0 labels; stored here as TLP 2.0 (WHITE becomes CLEAR).
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.CLEAR)
    tracking_version = models.CharField(_("version"), max_length=100, blank=True)
    tracking_status = models.CharField(_("status"), max_length=20, blank=True)
    initial_release_date = models.DateTimeField(_("first released"), null=True, blank=True)
    current_release_date = models.DateTimeField(_("last released"), null=True, blank=True)
    document = models.JSONField(_("CSAF document"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    source = models.CharField(_("source"), max_length=1000, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )

    # The document is kept whole here; the audit trail records the other fields (and the hash).
    audit_exclude_fields = ("document",)

    class Meta:
        verbose_name = _("vendor advisory")
        verbose_name_plural = _("vendor advisories")
        ordering = ["-current_release_date", "tracking_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher_namespace", "tracking_id"], name="vendor_advisory_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id}: {self.title}"


class AffectedProduct(TimeStampedModel, RestrictedModel):
    """One product that one source says a vulnerability affects (or that is fixed, or not
    affected). ``versions`` is the version constraint as the source wrote it: empty or
    ``vers:all/*`` for every version, a single version, ``<= 2.6A``, ``>= 1.0 | < 1.5``, or a
    ``vers:`` range; the matcher reads it and says when it cannot."""

    vulnerability = models.ForeignKey(
        Vulnerability,
        on_delete=models.CASCADE,
        related_name="affected_products",
        verbose_name=_("vulnerability"),
    )
    vendor_advisory = models.ForeignKey(
        VendorAdvisory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="affected_products",
        verbose_name=_("vendor advisory"),
    )
    source = models.CharField(_("source"), max_length=10, choices=ProductSource.choices)
    status = models.CharField(
        _("status"), max_length=15, choices=ProductStatus.choices, default=ProductStatus.AFFECTED
    )
    # The CSAF product_id, so a re-export can name the same product.
    product_id = models.CharField(_("product id"), max_length=255, blank=True)
    name = models.CharField(_("full product name"), max_length=1000, blank=True)
    vendor = models.CharField(_("vendor"), max_length=255, blank=True)
    product = models.CharField(_("product"), max_length=500, blank=True)
    vendor_key = models.CharField(max_length=255, blank=True, editable=False)
    product_key = models.CharField(max_length=500, blank=True, editable=False)
    versions = models.CharField(_("versions"), max_length=500, blank=True)
    cpe = models.CharField(_("CPE 2.3 name"), max_length=1000, blank=True)
    purl = models.CharField(_("package URL"), max_length=2000, blank=True)

    # Rows derived from imported documents (written and replaced in bulk); the import of the
    # document itself is what the audit trail records.
    audit_enabled = False

    class Meta:
        verbose_name = _("affected product")
        verbose_name_plural = _("affected products")
        ordering = ["vendor", "product", "versions", "pk"]
        indexes = [
            models.Index(fields=["vendor_key", "product_key"], name="vulns_product_key_idx"),
        ]

    def __str__(self) -> str:
        return self.name or " ".join(p for p in (self.vendor, self.product, self.versions) if p)

    def save(self, *args: object, **kwargs: object) -> None:
        self.fill_keys()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def fill_keys(self) -> None:
        """Set the matching keys from the names; bulk_create callers call this themselves."""
        self.vendor_key = vendor_key(self.vendor)[:255]
        self.product_key = name_key(self.product)[:500]
