"""Enumerations of the vulnerabilities app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CvssSeverity(models.TextChoices):
    """The qualitative rating both CVSS v3.1 and v4.0 give a score."""

    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class KnownRansomware(models.TextChoices):
    """CISA KEV's ``knownRansomwareCampaignUse``: "Unknown" means CISA has no confirmation."""

    KNOWN = "known", _("Known")
    UNKNOWN = "unknown", _("Unknown")


class ImportSource(models.TextChoices):
    """Which importer last changed a vulnerability."""

    KEV = "kev", _("CISA KEV catalog")
    CVE = "cve", _("CVE JSON 5 record")
    EPSS = "epss", _("EPSS scores")
    CSAF = "csaf", _("Vendor CSAF advisory")


class ProductStatus(models.TextChoices):
    """What a source says of a product and a vulnerability (CSAF 2.0 ``product_status`` groups,
    CVE JSON 5 ``affected[].versions[].status``)."""

    AFFECTED = "affected", _("Affected")
    FIXED = "fixed", _("Fixed")
    NOT_AFFECTED = "not_affected", _("Not affected")
    UNDER_INVESTIGATION = "investigating", _("Under investigation")


class ProductSource(models.TextChoices):
    """Where an affected-product row came from."""

    KEV = "kev", _("CISA KEV catalog")
    CVE = "cve", _("CVE JSON 5 record")
    CSAF = "csaf", _("Vendor CSAF advisory")
