"""State changes of users' own accounts: API tokens and preferences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.choices import LanguageChoice, TimeZoneChoice, TokenScope
from siaga.accounts.models import ApiToken, User, hash_token

MAX_TOKEN_DAYS = 366
MAX_TOKENS_PER_USER = 50


def check_create_token(
    user: Any, name: str, scope: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is shown this once and never stored."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the token a name.")
    if scope not in TokenScope.values:
        errors["scope"] = _("Unknown scope.")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = _("Between 1 and %(max)d days.") % {"max": MAX_TOKEN_DAYS}
    if ApiToken.objects.filter(user=user, revoked_at=None).count() >= MAX_TOKENS_PER_USER:
        errors["name"] = _("You have too many tokens; revoke some first.")
    if errors:
        raise ValidationError(errors)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return do_create_token(user, name.strip()[:100], scope, expires_at)


def do_create_token(
    user: User, name: str, scope: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        key_hash=hash_token(raw),
        prefix=raw[:12],
    )
    return token, raw


def access_token(user: Any, pk: int, action: str = "view") -> ApiToken:
    return get_object_or_404(ApiToken.objects.restrict(user, action), pk=pk)


def check_revoke_token(user: Any, token: ApiToken) -> ApiToken:
    if not ApiToken.objects.restrict(user, "change").filter(pk=token.pk).exists():
        raise PermissionDenied(_("You may not revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(raw: str, ip_address: str | None = None) -> ApiToken | None:
    """The usable token with this secret, its last use recorded; None for unknown, expired or revoked."""
    if not raw.startswith("siaga_") or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    # Written at most once a minute per token: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address)
    return token


def check_update_preferences(user: User, data: dict[str, Any]) -> User:
    allowed = {"full_name", "phone", "language", "time_zone"}
    refused = sorted(set(data) - allowed)
    if refused:
        raise ValidationError({name: _("You may not change this field.") for name in refused})
    if "language" in data and data["language"] not in LanguageChoice.values:
        raise ValidationError({"language": _("Unknown language.")})
    if "time_zone" in data and data["time_zone"] not in TimeZoneChoice.values:
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    if "full_name" in data:
        data = {**data, "full_name": str(data["full_name"]).strip()}
        if not data["full_name"]:
            raise ValidationError({"full_name": _("Please give your full name.")})
    with transaction.atomic():
        for name, value in data.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
    return user
