"""Who is calling the TAXII server: HTTP Basic or a bearer API token, nothing else.

- ``Authorization: Bearer <token>``: a personal API token (``siaga.accounts``), as on ``/api/``.
- ``Authorization: Basic``, user = e-mail address, password = the account password *or* an API
  token (TAXII clients, such as the OASIS ``taxii2-client``, often only speak Basic).

A person who must use a second factor (CERT staff, constituent administrators, anyone who set one
up) cannot use their password here: a password alone would bypass the second factor. They create a
token in their profile (made after passing it) and use that as the Basic password or bearer token.
Password attempts go through ``django.contrib.auth.authenticate``, so django-axes locks out an
account after repeated failures, as on the sign-in page.

A read-only token may only read. The browser's session is not used: the TAXII endpoints are
CSRF-exempt, which is only safe because nothing the browser sends on its own authenticates.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from siaga.accounts.actions import authenticate_token
from siaga.accounts.models import TOKEN_PREFIX
from siaga.accounts.roles import principal_for
from siaga.core.middleware import client_ip
from siaga.taxii.protocol import TaxiiError

CHALLENGE = 'Basic realm="siaga-taxii", charset="UTF-8", Bearer realm="siaga-taxii"'
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """An authenticated TAXII client: the user, and whether the credential may write."""

    user: Any
    may_write: bool


def unauthorized(description: str) -> TaxiiError:
    return TaxiiError(
        401, _("Authentication required"), description, {"WWW-Authenticate": CHALLENGE}
    )


def authenticate_request(request: HttpRequest) -> Caller:
    """The caller, or a 401 (no or bad credentials) / 403 (read-only token writing)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, credentials = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and credentials.strip():
        caller = _token_caller(request, credentials.strip())
    elif scheme == "basic" and credentials.strip():
        caller = _basic_caller(request, credentials.strip())
    else:
        raise unauthorized(
            _("Use HTTP Basic (e-mail and password or API token) or a bearer token.")
        )
    if request.method not in SAFE_METHODS and not caller.may_write:
        raise TaxiiError(403, _("Read-only token"), _("This token may only read."))
    # The audit trail resolves its actor from request.user when it writes an entry.
    request.user = caller.user
    return caller


def _token_caller(request: HttpRequest, raw: str) -> Caller:
    token = authenticate_token(raw, client_ip(request))
    if token is None:
        raise unauthorized(_("The token is unknown, expired or revoked."))
    return Caller(user=token.user, may_write=token.allows_write)


def _basic_caller(request: HttpRequest, encoded: str) -> Caller:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized(
            _("The Basic credentials are not valid base64 of user:password.")
        ) from None
    username, separator, password = decoded.partition(":")
    if not separator or not password:
        raise unauthorized(_("The Basic credentials must be user:password."))
    if password.startswith(TOKEN_PREFIX):
        caller = _token_caller(request, password)
        # The user name must be the token's owner (or left empty): a mismatch is a mistake worth
        # reporting, not something to ignore.
        if username and username.strip().lower() != caller.user.email.lower():
            raise unauthorized(_("This token belongs to another account."))
        return caller
    return _password_caller(request, username.strip(), password)


def _password_caller(request: HttpRequest, email: str, password: str) -> Caller:
    try:
        user = authenticate(request, username=email, password=password)
    except PermissionDenied:  # django-axes refused: the account is locked out
        user = None
        request.axes_locked_out = True  # type: ignore[attr-defined]
    if getattr(request, "axes_locked_out", False):
        # django-axes would replace the response with its HTML lock-out page; a TAXII client
        # needs a TAXII error message instead.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise TaxiiError(
            429,
            _("Account locked"),
            _("Too many failed attempts; the account is locked for now. Use an API token."),
        )
    if user is None or not user.is_active:
        raise unauthorized(_("Wrong e-mail address or password."))
    if _owes_second_factor(user):
        raise unauthorized(
            _("Your account uses a second factor: create an API token and use it as the password.")
        )
    return Caller(user=user, may_write=True)


def _owes_second_factor(user: Any) -> bool:
    from siaga.accounts.twofactor import has_confirmed_device

    return principal_for(user).needs_two_factor or has_confirmed_device(user)
