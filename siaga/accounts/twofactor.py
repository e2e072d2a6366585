"""TOTP two-factor authentication with recovery codes, on django-otp's devices."""

from __future__ import annotations

import secrets
from typing import Any, cast

import segno
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret each time set-up starts over)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def provisioning_qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#0b2545")


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes; the codes are shown once and stored by django-otp."""
    # 48 random bits in three groups: 14 characters, within django-otp's 16-character column.
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
        device.token_set.all().delete()
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def do_confirm_totp(request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a new authenticator with its first code; returns fresh recovery codes, or None."""
    if not device.verify_token(token.strip().replace(" ", "")):
        do_record_event(
            AuditAction.TWO_FACTOR_FAILED, cast(Model, request.user), changes={"during": "setup"}
        )
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(request.user)
        do_record_event(AuditAction.TWO_FACTOR_ENABLED, cast(Model, request.user))
    otp_login(request, device)
    return codes


def do_verify_second_factor(request: HttpRequest, token: str) -> bool:
    """Check a TOTP code or a recovery code for the signed-in user and mark the session verified.

    Six digits are an authenticator code, anything else a recovery code: trying one as the other
    would count a failure against the wrong device's throttle.
    """
    token = token.strip().replace(" ", "")
    user = cast(Model, request.user)
    if token.isdigit() and len(token) == 6:
        totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if totp is not None and totp.verify_is_allowed()[0] and totp.verify_token(token):
            otp_login(request, totp)
            do_record_event(AuditAction.TWO_FACTOR_VERIFIED, user)
            return True
    else:
        recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
        if recovery is not None and recovery.verify_token(token.lower()):
            otp_login(request, recovery)
            remaining = recovery.token_set.count()
            do_record_event(
                AuditAction.TWO_FACTOR_RECOVERY_USED, user, changes={"remaining": remaining}
            )
            return True
    do_record_event(AuditAction.TWO_FACTOR_FAILED, user, changes={"during": "sign-in"})
    return False


def do_reset_two_factor(target_user: Any) -> None:
    """Remove a user's second factor (an admin does this when a phone is lost)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=target_user).delete()
        StaticDevice.objects.filter(user=target_user).delete()
        do_record_event(AuditAction.TWO_FACTOR_RESET, target_user)
