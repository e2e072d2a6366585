"""Per-user language and time zone, and the rule that staff and admins use a second factor."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from siaga.accounts.roles import principal_for

# Paths a signed-in user who still owes a second factor may reach.
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/static/",
    "/health/",
    "/i18n/",
    "/api/",  # the API authenticates by token (made after 2FA) and checks sessions itself
)


class UserPreferencesMiddleware:
    """Activates the signed-in user's time zone; LocaleMiddleware already chose the language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE))
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TwoFactorRequiredMiddleware:
    """Sends staff and admins who have not passed 2FA this session to set-up or verification."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
        ):
            from siaga.accounts.twofactor import has_confirmed_device

            if has_confirmed_device(user):
                return redirect(f"{reverse('accounts:2fa-verify')}?next={request.get_full_path()}")
            if principal_for(user).needs_two_factor:
                return redirect("accounts:2fa-setup")
        return self.get_response(request)
