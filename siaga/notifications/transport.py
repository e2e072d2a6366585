"""Sending one delivery: an e-mail through Django's mailer, or a signed webhook POST.

These functions do no bookkeeping; ``actions.send_delivery`` claims the delivery before and
records the outcome after. Both answer with an ``Outcome`` rather than raising for the ordinary
failures (refused, timed out, wrong status), so the caller can schedule the retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder

from siaga.notifications import signing
from siaga.notifications.models import Delivery

USER_AGENT = "Siaga-Webhook/1"
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    response_status: int | None = None


# (file name, content, MIME type) of one attachment.
Attachment = tuple[str, bytes, str]
AttachmentProvider = Callable[[Delivery], list[Attachment]]
# Attachments are made when the e-mail is sent, by the app that owns the delivery's object
# (``object_type``), rather than stored with the delivery: a digest's CSV can be megabytes, and
# the app can write it again from its own rows on every attempt.
_ATTACHMENT_PROVIDERS: dict[str, AttachmentProvider] = {}


def register_attachments(object_type: str, provider: AttachmentProvider) -> None:
    """Attach ``provider(delivery)`` to every e-mail delivery about an ``object_type`` object."""
    _ATTACHMENT_PROVIDERS[object_type] = provider


def attachments_for(delivery: Delivery) -> list[Attachment]:
    provider = _ATTACHMENT_PROVIDERS.get(delivery.object_type)
    return provider(delivery) if provider is not None else []


def send_email(delivery: Delivery) -> Outcome:
    message = EmailMessage(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        # Tells mail servers and auto-responders that this is a machine's message (RFC 3834).
        headers={"Auto-Submitted": "auto-generated", "X-Siaga-Event": delivery.event_kind},
    )
    for name, content, mimetype in attachments_for(delivery):
        message.attach(name, content, mimetype)
    message.send()
    return Outcome(ok=True)


def webhook_body(delivery: Delivery) -> bytes:
    """The JSON document POSTed; the same bytes on every attempt of the delivery."""
    envelope = {
        "id": str(delivery.uuid),
        "event": delivery.event_kind,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def webhook_headers(delivery: Delivery, secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Siaga-Event": delivery.event_kind,
        "X-Siaga-Delivery": str(delivery.uuid),
        "X-Siaga-Signature": signing.signature_header(secret, body),
    }


def post_webhook(delivery: Delivery, secret: str) -> Outcome:
    body = webhook_body(delivery)
    with requests.Session() as session:
        # No proxies or credentials from the environment (.netrc): nothing leaks to a receiver.
        session.trust_env = False
        try:
            response = session.post(
                delivery.address,
                data=body,
                headers=webhook_headers(delivery, secret, body),
                timeout=settings.SIAGA_WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,  # a redirect could lead the POST anywhere; never followed
                stream=True,  # the body is never read: only the status matters, whatever its size
            )
        except requests.RequestException as exc:
            return Outcome(ok=False, error=describe_error(exc))
        with response:
            status = response.status_code
    if 200 <= status < 300:
        return Outcome(ok=True, response_status=status)
    if 300 <= status < 400:
        return Outcome(
            ok=False, error=f"HTTP {status}: redirect not followed", response_status=status
        )
    return Outcome(ok=False, error=f"HTTP {status}", response_status=status)


def describe_error(exc: BaseException) -> str:
    # The class name says what kind of failure (ConnectTimeout, ConnectionError, SSLError, ...).
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
