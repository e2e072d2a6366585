"""Enumerations of sector reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.reports import periods


class PeriodKind(models.TextChoices):
    MONTHLY = periods.MONTHLY, _("Monthly")
    QUARTERLY = periods.QUARTERLY, _("Quarterly")


class SectorReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
