"""Vulnerability intelligence: one row per CVE, filled by the importers in ``siaga.vulns.importers``.

A ``Vulnerability`` gathers what three public sources say about one CVE: the CVE record itself
(description, dates, CVSS v3.1 / v4.0 vectors scored by the ``cvss`` library, CWEs, references),
CISA's Known Exploited Vulnerabilities catalog (the ``kev_*`` fields) and FIRST's EPSS scores (the
``epss_*`` fields). Each importer owns its fields; ``last_source`` and ``last_imported_at`` say
which importer last *changed* the row (an import that changes nothing leaves them alone, so a
repeated import is a true no-op).

This is the foundation of issue 6: there are no views, URLs, API endpoints or role permissions yet
(a later step adds them, together with exposure matching against constituents' inventories).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.vulns.choices import CvssSeverity, ImportSource, KnownRansomware

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
