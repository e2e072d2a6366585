"""Enumerations of reports and incidents: channels, statuses, labels (TLP 2.0, PAP), impact."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# TLP lives with the other sharing labels; the incident code imports it from here too.
from siaga.sharing.choices import TLP as TLP


class Channel(models.TextChoices):
    WEB = "web", _("Web form (signed in)")
    PUBLIC = "public", _("Public form")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")


class ReportLanguage(models.TextChoices):
    """The reporter's language, used for the acknowledgement e-mail."""

    INDONESIAN = "id", _("Bahasa Indonesia")
    ENGLISH = "en", _("English")


class PersonalDataInvolved(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    REJECTED = "rejected", _("Rejected")


class RejectionReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_AN_INCIDENT = "not_an_incident", _("Not an incident")


class TriageAction(models.TextChoices):
    NEW_INCIDENT = "new_incident", _("Open a new incident")
    ATTACH = "attach", _("Attach to an existing incident")
    REJECT = "reject", _("Reject")


class Impact(models.IntegerChoices):
    NONE = 0, _("None")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class Priority(models.TextChoices):
    P1 = "P1", _("P1 — critical")
    P2 = "P2", _("P2 — high")
    P3 = "P3", _("P3 — medium")
    P4 = "P4", _("P4 — low")


class PAP(models.TextChoices):
    """Permissible Actions Protocol; the labels are the official label text."""

    CLEAR = "clear", "PAP:CLEAR"
    GREEN = "green", "PAP:GREEN"
    AMBER = "amber", "PAP:AMBER"
    RED = "red", "PAP:RED"


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Triage")
    ANALYSIS = "analysis", _("Analysis")
    CONTAINMENT = "containment", _("Containment")
    ERADICATION = "eradication", _("Eradication")
    RECOVERY = "recovery", _("Recovery")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    FALSE_POSITIVE = "false_positive", _("False positive")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_ACTION_NEEDED = "no_action_needed", _("No action needed")
    REFERRED = "referred", _("Referred to another team")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal to the CERT")
    SHARED = "shared", _("Shared with the constituent")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TimelineSource(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    REPORTER = "reporter", _("Reporter")
    SYSTEM = "system", _("System log")
    EMAIL = "email", _("E-mail")
    OTHER = "other", _("Other source")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related to")
    SAME_CAMPAIGN = "same_campaign", _("Same campaign as")
    CAUSED_BY = "caused_by", _("Caused by")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SENT = "sent", _("Notice sent")
    WAIVED = "waived", _("Not required")
