"""Fixtures of the notification tests: a real local webhook receiver, webhooks, inline sending."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest

from siaga.notifications.models import Webhook
from siaga.notifications.signing import generate_secret
from siaga.notifications.tasks import send_delivery_task


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers with the next status."""

    base: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return self.base + path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", state.url("/elsewhere"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def make_webhook(organization: Any, url: str, kinds: list[str] | None = None, **extra: Any):
    """A webhook with a known secret (returned with it)."""
    secret = generate_secret()
    webhook = Webhook(
        organization=organization,
        name=extra.pop("name", "SIEM"),
        url=url,
        event_kinds=kinds or ["incident_assigned"],
        **extra,
    )
    webhook.set_secret(secret)
    webhook.save()
    return webhook, secret


@pytest.fixture
def send_inline() -> Iterator[None]:
    """Workers send each delivery in this process as soon as the transaction commits."""

    def run(ids: list[int]) -> None:
        for delivery_id in ids:
            send_delivery_task.apply(args=(delivery_id,))

    with mock.patch("siaga.notifications.actions.dispatch", side_effect=run):
        yield
