"""Incident roll-ups: per local day, what the dashboards' incident figures need, so that a year of
the sector's incidents costs a few thousand rows instead of a scan of the incidents.

Kept exact by ``siaga.dashboards.rollups``: every write that can change an incident's figures marks
its creation day dirty (``RollupDirtyDay``, in the writer's transaction); the day's rows are then
recomputed from the incidents with one GROUP BY, right after the commit (and by any reader that
finds a mark left over). Days are in the site's time zone (``TIME_ZONE``), like the periods.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MILESTONES = ("acknowledge", "triage", "first_response", "resolve")


class IncidentDailyCount(models.Model):
    """The incidents created on one local day with one RSIT class and priority (merged duplicates
    left out): how many, response times and SLA outcomes."""

    day = models.DateField(_("day"))
    rsit_class = models.CharField(_("RSIT class"), max_length=40, blank=True)
    priority = models.CharField(_("priority"), max_length=2)
    incidents = models.PositiveIntegerField(_("incidents"), default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    # Sums of microseconds from creation (exact integers: a mean is sum / count).
    acknowledge_microseconds = models.BigIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolve_microseconds = models.BigIntegerField(default=0)
    # Per SLA milestone: met in time, met late, still waiting (unmet while the incident is open)
    # and the earliest and latest deadline of the waiting ones: whether those are breached depends
    # on when the figures are read, and a row wholly before or after that moment needs no
    # incident read.
    acknowledge_met = models.PositiveIntegerField(default=0)
    acknowledge_late = models.PositiveIntegerField(default=0)
    acknowledge_waiting = models.PositiveIntegerField(default=0)
    acknowledge_due_min = models.DateTimeField(null=True, blank=True)
    acknowledge_due_max = models.DateTimeField(null=True, blank=True)
    triage_met = models.PositiveIntegerField(default=0)
    triage_late = models.PositiveIntegerField(default=0)
    triage_waiting = models.PositiveIntegerField(default=0)
    triage_due_min = models.DateTimeField(null=True, blank=True)
    triage_due_max = models.DateTimeField(null=True, blank=True)
    first_response_met = models.PositiveIntegerField(default=0)
    first_response_late = models.PositiveIntegerField(default=0)
    first_response_waiting = models.PositiveIntegerField(default=0)
    first_response_due_min = models.DateTimeField(null=True, blank=True)
    first_response_due_max = models.DateTimeField(null=True, blank=True)
    resolve_met = models.PositiveIntegerField(default=0)
    resolve_late = models.PositiveIntegerField(default=0)
    resolve_waiting = models.PositiveIntegerField(default=0)
    resolve_due_min = models.DateTimeField(null=True, blank=True)
    resolve_due_max = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("daily incident count")
        verbose_name_plural = _("daily incident counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "rsit_class", "priority"], name="dashboards_incident_day_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.rsit_class} {self.priority}: {self.incidents}"


class Breakdown(models.TextChoices):
    PROVINCE = "province", _("Province")
    CONSTITUENT_KIND = "constituent_kind", _("Constituent kind")
    CONSTITUENT = "constituent", _("Constituent")


class IncidentDailyBreakdown(models.Model):
    """The incidents created on one local day per property of their affected constituents: one
    incident counts once per distinct value (an incident affecting two hospitals of one province
    counts once there); ``key`` is the raw value (province code, constituent type, organization
    id), empty for an incident without any (no constituent, no profile)."""

    day = models.DateField(_("day"))
    breakdown = models.CharField(_("breakdown"), max_length=20, choices=Breakdown.choices)
    key = models.CharField(_("key"), max_length=40, blank=True)
    incidents = models.PositiveIntegerField(_("incidents"), default=0)

    class Meta:
        verbose_name = _("daily incident breakdown")
        verbose_name_plural = _("daily incident breakdowns")
        indexes = [models.Index(fields=["breakdown", "day"], name="dashboards_breakdown_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.breakdown} {self.key}: {self.incidents}"


class RollupDirtyDay(models.Model):
    """A local day whose roll-up rows may be out of date: written in the same transaction as the
    change, removed (by id, so a mark written meanwhile survives) once the day is recomputed."""

    day = models.DateField(_("day"), db_index=True)
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("roll-up day to recompute")
        verbose_name_plural = _("roll-up days to recompute")

    def __str__(self) -> str:
        return str(self.day)
