"""TAXII 2.1: the objects a partner's collection added since the last run, received as STIX 2.1
bundle files (read by the ``stix`` parser like any other report).

The feed's URL is the collection's address (``…/<api-root>/collections/<id>/``), checked by the
webhook rule like an HTTP feed's; redirects are refused. Authentication is HTTP Basic with the
feed's user name and secret, or, without a user name, the secret sent in the feed's header (e.g.
``Authorization: Bearer …``). The OASIS ``taxii2-client`` library does the requests.

Objects are asked for with ``added_after`` = the feed's cursor and paged with ``next``. Whole pages
are gathered into bundles of at most ``OBJECTS_PER_REPORT`` objects (flat memory, and one report per
run for a quiet collection rather than one per page), each received as
``taxii-<collection>-<date added last>.json``.

The cursor moves to the last ``X-TAXII-Date-Added-Last`` once every bundle of the run is stored,
not after each one: ``added_after`` is strict and many objects may share one date added (a bulk
add), so a cursor moved at a page boundary inside such a tie would skip the rest of it for good.
A run that fails half-way therefore asks again from the old cursor; its bundles' ids and bytes
depend only on what was fetched, so the bundles stored before the failure come out the same and
are recognised as received (idempotent by SHA-256), and nothing is processed twice. A server that
sends no date header cannot be followed: its objects are received and the cursor stays.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection

from siaga.feeds.actions import do_receive_report, validate_feed_url
from siaga.feeds.choices import ReportSource
from siaga.feeds.collectors.base import Collected, recorded
from siaga.feeds.models import Feed

DATE_ADDED_LAST = "X-TAXII-Date-Added-Last"
TIMEOUT_SECONDS = 60
OBJECTS_PER_REQUEST = 1000  # a server may send fewer; it says so with `more` and `next`
OBJECTS_PER_REPORT = 5000  # a few MB of JSON per bundle
MAX_PAGES_PER_RUN = 10_000  # a guard against a server whose `next` never ends
_STAMP_UNSAFE = re.compile(r"[^0-9A-Za-z.]")


class TaxiiError(Exception):
    """The server answered in a way the collector cannot follow."""


@dataclass
class Page:
    objects: list[dict[str, Any]]
    date_added_last: str  # "" when the server did not say


@dataclass
class Batch:
    """Whole pages waiting to be written as one bundle."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    date_added_last: str = ""

    def take(self, page: Page) -> None:
        self.objects.extend(page.objects)
        self.date_added_last = page.date_added_last or self.date_added_last


class HeaderAuth(requests.auth.AuthBase):
    """The feed's secret in the feed's header (``Authorization``, ``X-Api-Key`` …)."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self.value
        return request


class CollectionSession:
    """One run's conversation with the feed's collection; remembers each page's date header."""

    def __init__(self, feed: Feed) -> None:
        self.date_added_last = ""
        user = password = None
        auth: requests.auth.AuthBase | None = None
        if feed.username:
            user, password = feed.username, feed.plain_secret
        elif feed.auth_header and feed.secret:
            auth = HeaderAuth(feed.auth_header, feed.plain_secret)
        self.connection = _HTTPConnection(
            user=user, password=password, verify=feed.verify_tls, version="2.1", auth=auth
        )
        session = self.connection.session
        session.max_redirects = 0  # as for HTTP feeds: a redirect is an error, never followed
        session.hooks["response"].append(self._remember_date_added)
        session.request = _with_timeout(session.request)
        self.collection = Collection(feed.url, conn=self.connection)

    def _remember_date_added(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.ok:
            self.date_added_last = response.headers.get(DATE_ADDED_LAST, "")

    def pages(self, added_after: str) -> Iterator[Page]:
        """The objects added after ``added_after`` (everything when empty), a page at a time."""
        filters = {"added_after": added_after} if added_after else {}
        next_page = ""
        for _number in range(MAX_PAGES_PER_RUN):
            self.date_added_last = ""
            envelope = self.collection.get_objects(
                limit=OBJECTS_PER_REQUEST, next=next_page or None, **filters
            )
            if not isinstance(envelope, dict):
                raise TaxiiError(_("The TAXII server sent something other than an envelope."))
            objects = envelope.get("objects") or []
            if not isinstance(objects, list):
                raise TaxiiError(_("The TAXII server's envelope holds no list of objects."))
            yield Page([obj for obj in objects if isinstance(obj, dict)], self.date_added_last)
            if not envelope.get("more"):
                return
            next_page = str(envelope.get("next") or "")
            if not next_page:
                # taxii2-client would ask for the first page again, forever (see DOMAIN.md).
                raise TaxiiError(_("The TAXII server says there is more but gives no next page."))
        raise TaxiiError(
            _("The TAXII server sent more than %(pages)d pages in one run.")
            % {"pages": MAX_PAGES_PER_RUN}
        )

    def close(self) -> None:
        self.connection.close()


def collect_taxii_feed(feed: Feed) -> Collected:
    """Receive what the feed's collection added since its cursor; raises (and records on the feed)
    on any failure, after keeping the bundles stored before it."""
    collected = Collected(received=[])
    with recorded(feed):
        validate_feed_url(feed.url)
        session = CollectionSession(feed)
        try:
            _collect(feed, session, collected)
        finally:
            session.close()
    return collected


def _collect(feed: Feed, session: CollectionSession, collected: Collected) -> None:
    batch, number, date_added_last = Batch(), 0, ""
    for page in session.pages(feed.cursor):
        batch.take(page)
        date_added_last = page.date_added_last or date_added_last
        if len(batch.objects) >= OBJECTS_PER_REPORT:
            _receive_bundle(feed, batch, number, collected)
            batch, number = Batch(), number + 1
    if batch.objects:
        _receive_bundle(feed, batch, number, collected)
    if date_added_last:  # only now: everything up to here is stored
        Feed.objects.filter(pk=feed.pk).update(cursor=date_added_last)
        feed.cursor = date_added_last


def _receive_bundle(feed: Feed, batch: Batch, number: int, collected: Collected) -> None:
    content = bundle_bytes(feed, batch, number)
    report, created = do_receive_report(
        feed, [content], bundle_name(feed, batch), source=ReportSource.TAXII
    )
    collected.add(report, created)


def bundle_bytes(feed: Feed, batch: Batch, number: int = 0) -> bytes:
    """A STIX 2.1 bundle of the batch. Its id and bytes depend only on what was fetched from where
    (the run's starting cursor, the bundle's place in the run), so a run done again after a failure
    makes the same files and they are recognised as received."""
    seed = f"{feed.url}|{feed.cursor}|{number}|{batch.date_added_last}|{len(batch.objects)}"
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
        "objects": batch.objects,
    }
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def bundle_name(feed: Feed, batch: Batch) -> str:
    collection = urlsplit(feed.url).path.rstrip("/").rsplit("/", 1)[-1] or "collection"
    stamp = _STAMP_UNSAFE.sub("", batch.date_added_last) or "undated"
    return f"taxii-{collection[:100]}-{stamp}.json"


def _with_timeout(request: Any) -> Any:
    # requests has no session-wide timeout; a server that hangs must not hold a worker forever.
    def call(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return request(method, url, **kwargs)

    return call
