"""Protection of the public report form without any third-party service.

- a **honeypot** field that people do not see and robots fill in;
- a **signed timestamp** handed out with the form: a submission must come at least
  ``SIAGA_PUBLIC_REPORT_MIN_SECONDS`` after the form was shown (people need time to type) and
  within 24 hours (no replaying of old tokens);
- a **rate limit** of ``SIAGA_PUBLIC_REPORT_LIMIT_PER_HOUR`` accepted reports per client address
  per hour, counted in the shared cache.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

TOKEN_SALT = "siaga.incidents.public-report"  # noqa: S105  (a namespace, not a secret)
TOKEN_MAX_AGE = 24 * 60 * 60


def issue_form_token(now: float | None = None) -> str:
    return signing.dumps({"t": now if now is not None else time.time()}, salt=TOKEN_SALT)


def form_token_problem(token: str, now: float | None = None) -> str | None:
    """Why the token is refused (a message for the person), or None if it is good."""
    try:
        issued = float(signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)["t"])
    except signing.SignatureExpired:
        return _("The form was open for more than a day. Please fill it in again.")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _("The form could not be verified. Please reload the page and try again.")
    now = now if now is not None else time.time()
    if now - issued > TOKEN_MAX_AGE:
        return _("The form was open for more than a day. Please fill it in again.")
    if now - issued < settings.SIAGA_PUBLIC_REPORT_MIN_SECONDS:
        return _(
            "The form was sent too quickly after it was opened, as robots do. "
            "Please check your report and send it again."
        )
    return None


def _rate_key(address: str | None) -> str:
    window = int(time.time() // 3600)
    return f"siaga:public-report:{address or 'unknown'}:{window}"


def rate_limit_reached(address: str | None) -> bool:
    return int(cache.get(_rate_key(address), 0)) >= settings.SIAGA_PUBLIC_REPORT_LIMIT_PER_HOUR


def count_submission(address: str | None) -> None:
    key = _rate_key(address)
    cache.add(key, 0, timeout=3600 + 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600 + 60)
