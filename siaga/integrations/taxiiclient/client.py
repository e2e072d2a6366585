"""Talking to a remote TAXII 2.1 server through the OASIS ``taxii2-client`` library.

The library pages with ``next`` and hides response headers; ``X-TAXII-Date-Added-Last`` is what a
pull must remember to ask only for newer objects next time, so a response hook on the library's
session keeps the last value seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection, as_pages

from siaga.integrations.taxiiclient.choices import AuthKind

DATE_ADDED_LAST = "X-TAXII-Date-Added-Last"
TIMEOUT_SECONDS = 60


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class RemoteSession:
    """One conversation with a remote collection; remembers the last date-added header."""

    def __init__(self, remote: Any) -> None:
        self.remote = remote
        self.date_added_last: str | None = None
        auth: requests.auth.AuthBase | None = None
        user = password = None
        if remote.auth_kind == AuthKind.BASIC:
            user, password = remote.username, remote.plain_secret
        elif remote.auth_kind == AuthKind.TOKEN:
            auth = BearerAuth(remote.plain_secret)
        self.connection = _HTTPConnection(
            user=user, password=password, verify=remote.verify_tls, version="2.1", auth=auth
        )
        self.connection.session.hooks["response"].append(self._remember_date_added)
        self.connection.session.request = _with_timeout(self.connection.session.request)
        self.collection = Collection(remote.collection_url, conn=self.connection)

    def _remember_date_added(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        value = response.headers.get(DATE_ADDED_LAST)
        if response.ok and value:
            self.date_added_last = value

    def pages(self, added_after: str | None) -> Iterator[list[dict[str, Any]]]:
        """The objects added after ``added_after``, a page at a time."""
        filters = {"added_after": added_after} if added_after else {}
        for envelope in as_pages(
            self.collection.get_objects, per_request=self.remote.page_size, **filters
        ):
            yield list(envelope.get("objects", []))

    def add_objects(self, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """Post an envelope; the server's status resource (its counts and failures)."""
        status = self.collection.add_objects({"objects": objects}, wait_for_completion=False)
        return {
            "id": status.id,
            "status": status.status,
            "success_count": status.success_count,
            "failure_count": status.failure_count,
            "pending_count": status.pending_count,
            "failures": list(status.failures or []),
        }


def _with_timeout(request: Any) -> Any:
    # requests has no session-wide timeout; a remote that hangs must not hold a worker forever.
    def call(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return request(method, url, **kwargs)

    return call
