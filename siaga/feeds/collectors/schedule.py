"""The beat's round: every active feed whose collector runs on a schedule (HTTP, IMAP, TAXII) and
whose interval has passed is collected, one after the other.

One failing feed never stops the others: its error is recorded on the feed (``last_error``) and in
the round's outcome. A feed is claimed with a conditional update of ``last_fetched_at`` before it
runs, so a round that overlaps a slow earlier one (beat runs every minute) skips the feed the
earlier round is still collecting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.utils import timezone

from siaga.feeds.choices import CollectorKind
from siaga.feeds.collectors.base import describe
from siaga.feeds.collectors.http import fetch_feed
from siaga.feeds.collectors.imap import collect_imap_feed
from siaga.feeds.collectors.taxii import collect_taxii_feed
from siaga.feeds.models import SCHEDULED_COLLECTORS, Feed

log = logging.getLogger(__name__)


def _http(feed: Feed) -> str:
    return f"report {fetch_feed(feed).pk}"


def _imap(feed: Feed) -> str:
    return collect_imap_feed(feed).summary()


def _taxii(feed: Feed) -> str:
    collected = collect_taxii_feed(feed)
    return collected.summary() if collected.received or collected.repeated else "nothing new"


# Each collects one feed and says in a line what came of it; raises when it failed.
COLLECTORS: dict[str, Callable[[Feed], str]] = {
    CollectorKind.HTTP: _http,
    CollectorKind.IMAP: _imap,
    CollectorKind.TAXII: _taxii,
}


def collect_feed(feed: Feed) -> str:
    """Collect one feed now, whatever its schedule; raises when it failed (recorded on the feed)."""
    return COLLECTORS[feed.collector](feed)


def due_feeds() -> Iterator[Feed]:
    now = timezone.now()
    feeds = Feed.objects.filter(is_active=True, collector__in=SCHEDULED_COLLECTORS)
    for feed in feeds.order_by("pk"):
        if feed.fetch_is_due(now):
            yield feed


def fetch_due_feeds() -> dict[str, str]:
    """Collect every feed that is due; one failing feed does not stop the others."""
    outcome: dict[str, str] = {}
    for feed in due_feeds():
        if not _claim(feed):
            continue
        try:
            outcome[feed.name] = collect_feed(feed)
        except Exception as exc:
            # Recorded on the feed by its collector; logged with its cause for the operator.
            log.warning("feed %s (%s) failed: %s", feed.pk, feed.collector, describe(exc))
            outcome[feed.name] = f"failed: {describe(exc)}"
    return outcome


def _claim(feed: Feed) -> bool:
    """Take the feed for this round unless another round took it since it was read."""
    claimed = Feed.objects.filter(pk=feed.pk, last_fetched_at=feed.last_fetched_at).update(
        last_fetched_at=timezone.now()
    )
    return claimed == 1
