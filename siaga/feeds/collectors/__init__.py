"""Collectors: where reports come from besides uploads. Each hands the bytes to
``do_receive_report``, which keeps them raw first (the same file twice is one report).

- ``http``: an HTTP(S) fetch of the feed's URL on its schedule;
- ``imap``: mail attachments from an IMAP mailbox on its schedule (``attachments`` unpacks them);
- ``taxii``: what a TAXII 2.1 collection added since the last run, as STIX bundle files;
- ``folder``: a watched drop folder per feed;
- ``schedule``: the beat's round over the feeds that are due (``fetch_due_feeds``).
"""

from siaga.feeds.collectors.base import Collected
from siaga.feeds.collectors.folder import (
    DROP_SETTLE_SECONDS,
    collect_drop_folders,
    drop_folder,
    drop_root,
)
from siaga.feeds.collectors.http import fetch_feed
from siaga.feeds.collectors.imap import collect_imap_feed
from siaga.feeds.collectors.schedule import collect_feed, due_feeds, fetch_due_feeds
from siaga.feeds.collectors.taxii import collect_taxii_feed

__all__ = [
    "DROP_SETTLE_SECONDS",
    "Collected",
    "collect_drop_folders",
    "collect_feed",
    "collect_imap_feed",
    "collect_taxii_feed",
    "drop_folder",
    "drop_root",
    "due_feeds",
    "fetch_due_feeds",
    "fetch_feed",
]
