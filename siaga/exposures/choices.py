"""Enumerations of the exposures app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingStatus(models.TextChoices):
    """Where the constituent's remediation of a finding stands."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    MITIGATED = "mitigated", _("Mitigated")
    REMEDIATED = "remediated", _("Remediated")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted")
    FALSE_POSITIVE = "false_positive", _("False positive")
    # Set by the matching run, never by hand: the item or the vulnerability no longer matches.
    RESOLVED_UNMATCHED = "resolved_unmatched", _("Resolved (no longer matches)")


# Statuses that still need the constituent's work; a rematch may reopen nothing else.
OPEN_STATUSES = frozenset({FindingStatus.OPEN, FindingStatus.IN_PROGRESS})
# Statuses a person may set (the run sets RESOLVED_UNMATCHED).
SETTABLE_STATUSES = [s for s in FindingStatus if s != FindingStatus.RESOLVED_UNMATCHED]


class Certainty(models.TextChoices):
    """How sure a match is: the version was checked, or a person must check it."""

    VERSION = "version", _("Version in the affected range")
    UNKNOWN = "unknown", _("Check the version")


class FindingSource(models.TextChoices):
    """What made the finding: the constituent's inventory, or a feed that saw the service."""

    INVENTORY = "inventory", _("Inventory")
    FEED = "feed", _("Feed event")
