"""Enumerations of the advisories app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdvisoryKind(models.TextChoices):
    ALERT = "alert", _("Alert (active threat, urgent)")
    ADVISORY = "advisory", _("Advisory (vulnerability with remediation)")
    ANNOUNCEMENT = "announcement", _("Announcement (awareness bulletin)")
    SITUATION_REPORT = "sitrep", _("Situational report")


class AdvisoryStatus(models.TextChoices):
    """The working copy's state. Readers always see the last published revision, so an advisory
    that is being updated (``DRAFT`` or ``IN_REVIEW`` with ``version`` > 0) stays readable."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AdvisorySeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RecipientReason(models.TextChoices):
    """Why a constituent received an advisory; the strongest reason is kept."""

    INVENTORY = "inventory", _("Runs an affected product")
    CRITERIA = "criteria", _("Matches the chosen kinds, provinces or vital-infrastructure flag")
    NAMED = "named", _("Chosen by name")


class Answer(models.TextChoices):
    """A constituent's answer to an advisory."""

    NOT_AFFECTED = "not_affected", _("Not affected")
    PATCHED = "patched", _("Patched")
    MITIGATING = "mitigating", _("Mitigating")
    NEED_HELP = "need_help", _("Need help")


class ReferenceKind(models.TextChoices):
    """CSAF 2.0 reference categories."""

    EXTERNAL = "external", _("External")
    SELF = "self", _("This advisory")
