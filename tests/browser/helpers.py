"""Steps the browser journeys share."""

from __future__ import annotations

import base64
from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code_from_secret(secret_text: str) -> str:
    secret = secret_text.replace(" ", "").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form[action$='/accounts/login/'] button[type=submit]")


def sign_in_with_authenticator(page: Any, user: Any, password: str) -> None:
    """Sign in a user who already has an authenticator, answering the second-factor page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    sign_in(page, user.email, password)
    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verify").click()
