"""Meetings of the coordination group: agenda, attendance, minutes, numbered decisions, and the
action items that come out of meetings, decisions and exercises."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.governance.choices import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AttendanceStatus,
    MeetingKind,
)
from siaga.governance.models.base import ParentPermissionManager, bilingual


class Meeting(TimeStampedModel, RestrictedModel):
    """One meeting of the group; its minutes are written in both languages."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=15, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("online meeting link"), blank=True)
    minutes_id = bilingual(_("minutes"), "id")
    minutes_en = bilingual(_("minutes"), "en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in order."""

    permission_model = "meeting"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("agenda item"), max_length=300)

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["meeting", "position"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether a representative was at a meeting."""

    permission_model = "meeting"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    representative = models.ForeignKey(
        "governance.Representative", on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["representative__organization__name", "representative__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "representative"], name="attendance_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.representative}: {self.status}"


class Decision(models.Model):
    """A decision of a meeting, numbered within the meeting (1, 2, ...)."""

    permission_model = "meeting"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveIntegerField(_("number"))
    text_id = bilingual(_("decision"), "id")
    text_en = bilingual(_("decision"), "en")

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.number}"

    @property
    def text(self) -> str:
        return self.text_en or self.text_id


class ActionItem(TimeStampedModel, RestrictedModel):
    """Something someone agreed to do, with an owner and a due date; the owner updates its status.

    ``due_soon_reminded_at`` / ``overdue_reminded_at`` make each reminder go out once.
    """

    restrict_owner_field = "owner"

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=10_000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="governance_actions",
        verbose_name=_("owner"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("meeting"),
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("decision"),
    )
    exercise = models.ForeignKey(
        "governance.Exercise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("exercise"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_soon_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today
