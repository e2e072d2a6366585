"""Enumerations of the digests app."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    OFF = "off", _("Off")


# How much time one digest covers when there was no digest before it.
PERIODS: dict[str, timedelta] = {
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}


class DigestFormat(models.TextChoices):
    EMAIL_CSV = "email_csv", _("E-mail with a CSV attachment")
    WEBHOOK_JSON = "webhook_json", _("Signed webhook (JSON)")


class DigestStatus(models.TextChoices):
    BUILT = "built", _("Built")  # stored, not yet handed to the notifications app
    QUEUED = "queued", _("Queued")  # deliveries written; their own status says how sending went
    NO_RECIPIENT = "no_recipient", _("No recipient")  # no active contact address or webhook
