"""Steps the browser journeys share."""

from __future__ import annotations

import base64
from typing import Any

from django_otp.oath import totp


def totp_code_from_secret(secret_text: str) -> str:
    secret = secret_text.replace(" ", "").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
