"""Enumerations of the coordination group's records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RepresentativeRole(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    ALTERNATE = "alternate", _("Alternate")
    TECHNICAL = "technical", _("Technical contact")


class TermsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    EXTRAORDINARY = "extraordinary", _("Extraordinary")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    APOLOGIES = "apologies", _("Apologies")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class EscalationLevel(models.IntegerChoices):
    FIRST = 1, _("Level 1 (first responder)")
    SECOND = 2, _("Level 2")
    THIRD = 3, _("Level 3 (management)")


class ExerciseKind(models.TextChoices):
    TABLETOP = "tabletop", _("Tabletop")
    DRILL = "drill", _("Drill")


class ExerciseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")


class FindingSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")
