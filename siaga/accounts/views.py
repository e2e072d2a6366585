"""The account pages: sign-in with a second factor, profile, passwords, invitations, API tokens.

Views parse input with the forms in ``forms.py``, call the actions (``actions.py``, ``twofactor.py``,
``siaga.organizations.actions``) and render. They change no rows themselves.
"""

from __future__ import annotations

import base64
import math
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.accounts.actions import (
    access_token,
    check_create_token,
    check_revoke_token,
    check_update_preferences,
)
from siaga.accounts.forms import (
    InvitationAcceptForm,
    LoginForm,
    ProfileForm,
    SecondFactorForm,
    SiagaPasswordResetForm,
    TokenCreateForm,
    TotpConfirmForm,
)
from siaga.accounts.models import ApiToken, User
from siaga.accounts.roles import principal_for
from siaga.accounts.twofactor import (
    RECOVERY_NAME,
    do_confirm_totp,
    do_verify_second_factor,
    has_confirmed_device,
    new_recovery_codes,
    pending_totp_device,
    provisioning_qr_svg,
)
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.organizations.actions import do_accept_invitation, find_open_invitation
from siaga.organizations.models import Invitation, Membership, hash_invitation_key

GET_POST = require_http_methods(["GET", "POST"])
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"  # noqa: S105  (a class path)


# --- Helpers -----------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    """The signed-in user (only for views behind ``login_required``)."""
    return cast(User, request.user)


def _is_verified(request: HttpRequest) -> bool:
    # OTPMiddleware gives the user an is_verified() that is true once this session passed 2FA.
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _next_url(request: HttpRequest) -> str:
    """The ``next`` parameter if it points into this site, else an empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _home() -> str:
    return reverse(settings.LOGIN_REDIRECT_URL)


def _where_after_password(user: User, next_url: str) -> str:
    """After the password: the second factor if the user has one or must have one, else on."""
    if has_confirmed_device(user):
        return _with_next("accounts:2fa-verify", next_url)
    if principal_for(user).needs_two_factor:
        return _with_next("accounts:2fa-setup", next_url)
    return next_url or _home()


def _code_rejected_message(user: User) -> str:
    # django-otp doubles the wait after each wrong code; say so once the wait is noticeable.
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        allowed, details = device.verify_is_allowed()
        locked_until = (details or {}).get("locked_until")
        if not allowed and locked_until is not None:
            seconds = math.ceil((locked_until - timezone.now()).total_seconds())
            if seconds > 2:
                return ngettext(
                    "That code was not accepted. After several wrong codes, wait %(seconds)d second before the next try.",
                    "That code was not accepted. After several wrong codes, wait %(seconds)d seconds before the next try.",
                    seconds,
                ) % {"seconds": seconds}
    return _("That code was not accepted. Check it and try again.")


def _grouped_secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four letters, for typing into an authenticator app."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    # The same cookie Django's set_language view writes, so LocaleMiddleware picks it up at once.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# --- Sign-in and sign-out ------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@GET_POST
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url or _home())
    # LoginForm calls authenticate() with the request: django-axes counts the failures and, at the
    # limit, its middleware replaces this response with accounts/locked_out.html.
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = cast(User, form.get_user())
            auth_login(request, user)
            return redirect(_where_after_password(user, next_url))
        return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=400)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Second factor -------------------------------------------------------------------------------------


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app (or replace the current one), then show the recovery codes once."""
    user = _user(request)
    next_url = _next_url(request)
    replacing = has_confirmed_device(user)
    if replacing and not _is_verified(request):
        # /accounts/2fa/ is exempt from the 2FA middleware, so this check is the only guard: a
        # password alone must never be enough to swap in a new authenticator.
        return redirect(_with_next("accounts:2fa-verify", request.get_full_path()))
    device = pending_totp_device(user)
    form = TotpConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            codes = do_confirm_totp(request, device, form.cleaned_data["code"])
            if codes is not None:
                request.session.cycle_key()  # a new session id for the newly verified session
                done = {"codes": codes, "next": next_url or _home()}
                return render(request, "accounts/2fa_done.html", done)
            form.add_error("code", _code_rejected_message(user))
        status = 400
    context: dict[str, Any] = {
        "form": form,
        # segno writes this SVG from our own otpauth:// URL; it holds no user-supplied markup.
        "qr_svg": mark_safe(provisioning_qr_svg(device)),  # noqa: S308
        "secret": _grouped_secret(device),
        "replacing": replacing,
        "pending": not _is_verified(request),
        "next": next_url,
    }
    return render(request, "accounts/2fa_setup.html", context, status=status)


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    user = _user(request)
    next_url = _next_url(request)
    if _is_verified(request):
        return redirect(next_url or _home())
    if not has_confirmed_device(user):
        if principal_for(user).needs_two_factor:
            return redirect(_with_next("accounts:2fa-setup", next_url))
        return redirect(next_url or _home())
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if do_verify_second_factor(request, form.cleaned_data["code"]):
                request.session.cycle_key()
                return redirect(next_url or _home())
            form.add_error("code", _code_rejected_message(user))
        status = 400
    return render(
        request, "accounts/2fa_verify.html", {"form": form, "next": next_url}, status=status
    )


@login_required
@never_cache
@GET_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (POST, in a session that passed 2FA) and show the new ones once."""
    user = _user(request)
    if not has_confirmed_device(user):
        messages.info(request, _("Set up an authenticator app first; recovery codes come with it."))
        return redirect("accounts:2fa-setup")
    if not _is_verified(request):
        return redirect(_with_next("accounts:2fa-verify", request.get_full_path()))
    if request.method == "POST":
        with transaction.atomic():
            codes = new_recovery_codes(user)
            do_record_event(AuditAction.RECOVERY_CODES_RENEWED, user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(
        request, "accounts/recovery_codes.html", {"remaining": _recovery_codes_left(user)}
    )


# --- Profile and password ------------------------------------------------------------------------------


@login_required
@GET_POST
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                check_update_preferences(user, form.cleaned_data)
            except ValidationError as error:
                user.refresh_from_db()  # the action set attributes before it refused them
                form.add_error(None, error)
            else:
                with translation.override(user.language):
                    messages.success(request, _("Your profile was saved."))
                response = redirect("accounts:profile")
                _set_language_cookie(response, user.language)
                return response
        status = 400
    memberships = (
        Membership.objects.restrict(user, "view").filter(user=user).select_related("organization")
    )
    context = {
        "form": form,
        "memberships": memberships,
        "has_authenticator": has_confirmed_device(user),
        "needs_two_factor": principal_for(user).needs_two_factor,
        "recovery_codes_left": _recovery_codes_left(user),
    }
    return render(request, "accounts/profile.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; this session stays signed in (and verified) after the change."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            do_record_event(AuditAction.PASSWORD_CHANGED, form.user)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Sends a reset link if the address belongs to an account; the page says the same either way."""

    form_class = SiagaPasswordResetForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {
            "site_url": settings.SITE_URL,
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        # The same entry whether or not an account has this address: the trail records the request,
        # not its outcome, so no one learns from it which addresses exist.
        do_record_event(
            AuditAction.PASSWORD_RESET_REQUESTED,
            object_type="accounts.user",
            object_repr=form.cleaned_data["email"].lower(),
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            do_record_event(
                AuditAction.PASSWORD_CHANGED,
                form.user,
                actor=form.user,
                changes={"via": "reset link"},
            )
        return response


# --- Invitations ---------------------------------------------------------------------------------------


def _invitation_unavailable(request: HttpRequest, key: str) -> HttpResponse:
    # 410 for a link that once worked (used, revoked or expired), 404 for one that never did.
    known = Invitation.objects.filter(key_hash=hash_invitation_key(key)).exists()
    return render(
        request, "accounts/invitation_invalid.html", {"known": known}, status=410 if known else 404
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@GET_POST
def accept_invitation(request: HttpRequest, key: str) -> HttpResponse:
    """Join an organization from an invitation link; a new person also chooses name and password."""
    invitation = find_open_invitation(key)
    if invitation is None:
        return _invitation_unavailable(request, key)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = (
        None if has_account else InvitationAcceptForm(request.POST or None, email=invitation.email)
    )
    status = 200
    if request.method == "POST":
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            try:
                user = do_accept_invitation(
                    invitation,
                    full_name=data.get("full_name", ""),
                    password=data.get("password1"),
                )
            except ValidationError as error:
                if form is None or not hasattr(error, "error_dict"):
                    # Accepted or revoked between our look-up and the lock in the action.
                    return _invitation_unavailable(request, key)
                form.add_error(None, error)
            else:
                return _after_invitation_accepted(request, user, invitation, has_account)
        status = 400
    context = {"invitation": invitation, "form": form, "has_account": has_account}
    return render(request, "accounts/invitation_accept.html", context, status=status)


def _after_invitation_accepted(
    request: HttpRequest, user: User, invitation: Invitation, had_account: bool
) -> HttpResponse:
    organization = invitation.organization.name
    if had_account:
        # The link proves the mailbox, not the password of the existing account: sign in as usual.
        messages.success(
            request,
            _("You have joined %(organization)s. Sign in to continue.")
            % {"organization": organization},
        )
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect(_home())
        if request.user.is_authenticated:
            auth_logout(request)
        return redirect("accounts:login")
    # A new account's password was chosen just now, on the strength of the e-mailed link.
    auth_login(request, user, backend=PASSWORD_BACKEND)
    messages.success(
        request, _("Welcome to %(organization)s on Siaga.") % {"organization": organization}
    )
    return redirect(_home())


# --- API tokens ----------------------------------------------------------------------------------------


@login_required
@never_cache  # the response that shows a new token must not be kept by any cache
@GET_POST
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenCreateForm(request.POST or None)
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = check_create_token(user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                context.update(new_token=token, raw_token=raw)
                form = TokenCreateForm()
        if "raw_token" not in context:
            status = 400
    context["form"] = form
    context["tokens"] = ApiToken.objects.restrict(user, "view").filter(user=user)
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = access_token(user, pk, "view")
    if token.user_id != user.pk:
        # This page manages one's own tokens; an administrator revokes others' tokens elsewhere.
        raise Http404
    check_revoke_token(user, token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language, and for a signed-in user their saved preference.

    Saving the preference keeps e-mails and documents in the language the person reads the site in.
    """
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        check_update_preferences(cast(User, user), {"language": language})
    return response
