"""Retention: feed events and the reports they came from are kept ``SIAGA_FEED_RETENTION_DAYS``.

An event is observed when its report is received (``time.observation`` is the report's receipt), so
a report and its events reach the end of their retention together — an event never outlives the
stored line its extra columns are read back from (``siaga.feeds.details``). Deletion goes in
batches of ``BATCH`` rows, each its own transaction, so a large backlog never holds one long
lock; the run is recorded in the audit trail with what it removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.events.models import Event
from siaga.feeds.actions import remove_stored_file
from siaga.feeds.models import FeedReport

BATCH = 20_000


@dataclass
class Removed:
    events: int = 0
    reports: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"events": self.events, "reports": self.reports}


def retention_cutoff(now: datetime | None = None) -> datetime:
    days = int(getattr(settings, "SIAGA_FEED_RETENTION_DAYS", 365))
    return (now or timezone.now()) - timedelta(days=days)


def do_apply_retention(now: datetime | None = None) -> Removed:
    """Delete the events and reports older than the retention period; returns how many."""
    cutoff = retention_cutoff(now)
    removed = Removed()
    while True:
        ids = list(
            Event.objects.filter(time_observation__lt=cutoff).values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        with transaction.atomic():
            removed.events += Event.objects.filter(pk__in=ids).delete()[0]
    for report in FeedReport.objects.filter(received_at__lt=cutoff).order_by("pk").iterator():
        with transaction.atomic():
            # Its chunks and quarantined rows go with it (cascade).
            FeedReport.objects.filter(pk=report.pk).delete()
            transaction.on_commit(partial(remove_stored_file, report))
        removed.reports += 1
    if removed.events or removed.reports:
        do_record_event(
            AuditAction.DELETE,
            object_type="feeds.retention",
            object_repr=f"feed data observed before {cutoff:%Y-%m-%d %H:%M} UTC",
            changes={"cutoff": cutoff.isoformat(), **removed.as_dict()},
        )
    return removed
