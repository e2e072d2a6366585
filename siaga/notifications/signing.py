"""Webhook signatures, and how webhook secrets are kept.

**The signature.** Every webhook request carries ``X-Siaga-Signature: t=<unix time>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256, keyed with the webhook's secret, of ``"<unix time>.<raw body>"``
(the body exactly as sent, in bytes). A receiver recomputes the HMAC over the body it received,
compares it in constant time, and refuses a timestamp older (or newer) than a few minutes, which
stops a captured request from being replayed later. ``verify_signature`` does all of that and is
what a Python receiver can use as is. Future schemes will add ``v2=`` next to ``v1=``.

**The secret.** It is generated on creation (``whsec_`` + 256 random bits), shown once to its
creator, and stored encrypted (Fernet, AES-128-CBC with HMAC) under a key derived from Django's
``SECRET_KEY``; a dump of the database alone does not let anyone forge signatures. Rotating
``SECRET_KEY`` keeps the secrets readable as long as the old key stays in ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac

SIGNATURE_VERSION = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105  # a label, not a secret
_SEAL_SALT = "siaga.notifications.webhook-secret"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},{SIGNATURE_VERSION}={compute_signature(secret, moment, body)}"


def _parse_header(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == SIGNATURE_VERSION:
            signatures.append(value)
    return timestamp, signatures


def verify_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` seconds."""
    timestamp, signatures = _parse_header(header or "")
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def _fernet(secret_key: str) -> Fernet:
    digest = salted_hmac(_SEAL_SALT, "fernet", secret=secret_key, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(plain: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    """The plain secret; tries the current ``SECRET_KEY`` first, then its fallbacks."""
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return _fernet(key).decrypt(sealed.encode()).decode()
        except InvalidToken:
            continue
    raise ValueError("the webhook secret cannot be decrypted with SECRET_KEY or its fallbacks")
