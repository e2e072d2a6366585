"""Tracking ids: SIAGA-2026-000123 for reports, SIAGA-INC-2026-000045 for incidents.

One counter row per (kind, year), locked with ``select_for_update`` inside the transaction that
creates the report or incident: two concurrent submissions wait for each other and never get the
same number, and a submission that rolls back takes its number back with it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

# The year of a tracking id is the year in Indonesia's western time, where the CERT works.
TRACKING_TIME_ZONE = ZoneInfo("Asia/Jakarta")

REPORT = "report"
INCIDENT = "incident"


class TrackingCounter(models.Model):
    """The last number handed out for one kind of tracking id in one year."""

    audit_enabled = False  # a counter, not a business object; the report or incident is audited

    kind = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_counter_per_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


def tracking_year(moment: datetime | None = None) -> int:
    return timezone.localtime(moment or timezone.now(), TRACKING_TIME_ZONE).year


def next_number(kind: str, year: int) -> int:
    """The next number of this kind and year; call inside the creating transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Allocate tracking numbers inside the creating transaction.")
    # get_or_create runs the insert in a savepoint: if another transaction inserts the same row
    # first, ours waits for it, fails on the unique constraint and reads the row instead.
    TrackingCounter.objects.get_or_create(kind=kind, year=year)
    counter = TrackingCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_tracking_id(kind: str, year: int, number: int) -> str:
    prefix = settings.SIAGA_TRACKING_PREFIX
    if kind == INCIDENT:
        return f"{prefix}-INC-{year}-{number:06d}"
    return f"{prefix}-{year}-{number:06d}"


def allocate_tracking_id(kind: str, moment: datetime | None = None) -> str:
    year = tracking_year(moment)
    return format_tracking_id(kind, year, next_number(kind, year))
