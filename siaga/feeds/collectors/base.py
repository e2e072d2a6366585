"""What every collector shares: the tally of a run and the record of its outcome on the feed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from siaga.feeds.models import Feed, FeedReport

log = logging.getLogger(__name__)

ERROR_LENGTH = 2000  # what fits the feed's page; the full story is in the worker's log


@dataclass
class Collected:
    """The outcome of one collection run over one or more feeds."""

    received: list[FeedReport]
    repeated: int = 0  # files received before (same SHA-256): nothing new was started
    failed: int = 0  # refused files, or messages left for the next run
    skipped: int = 0  # IMAP: messages with no attachment the feed takes
    problems: list[str] = field(default_factory=list)  # what the operator should look at

    def add(self, report: FeedReport, created: bool) -> None:
        if created:
            self.received.append(report)
        else:
            self.repeated += 1

    def summary(self) -> str:
        """One line for the beat task's result and the worker's log."""
        parts = [f"{len(self.received)} reports", f"{self.repeated} repeated"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return ", ".join(parts)


def describe(exc: BaseException) -> str:
    """An error as the feed's page shows it (a ValidationError by its messages, not its repr)."""
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or type(exc).__name__


@contextmanager
def recorded(feed: Feed) -> Iterator[None]:
    """Record a collection run on the feed: when it ran and, if it failed, why (then re-raise).

    The time is recorded on failure too, so a broken feed is tried again on its schedule and not
    on every beat."""
    now = timezone.now()
    try:
        yield
    except Exception as exc:
        Feed.objects.filter(pk=feed.pk).update(
            last_fetched_at=now, last_error=describe(exc)[:ERROR_LENGTH]
        )
        raise
    Feed.objects.filter(pk=feed.pk).update(last_fetched_at=now, last_error="")


def record_problems(feed: Feed, collected: Collected) -> None:
    """A run that worked but refused some files: the feed's page says which (until the next run)."""
    if collected.problems:
        Feed.objects.filter(pk=feed.pk).update(
            last_error="\n".join(collected.problems)[:ERROR_LENGTH]
        )
