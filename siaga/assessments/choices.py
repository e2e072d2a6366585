"""Enumerations of the assessments app: where a campaign and each constituent's assessment stand."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")


class AssessmentStatus(models.TextChoices):
    # Sent, and answered in part or not at all (answers are saved as a draft).
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")
    # The CERT asked for changes: the constituent edits and submits again.
    RETURNED = "returned", _("Changes requested")
    ACCEPTED = "accepted", _("Accepted")


# The constituent may edit its answers in these states; otherwise they are read-only.
EDITABLE = frozenset({AssessmentStatus.OPEN, AssessmentStatus.RETURNED})
