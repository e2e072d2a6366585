"""Forms of the account pages: they parse and validate input; the actions change state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from siaga.accounts.actions import MAX_TOKEN_DAYS
from siaga.accounts.choices import LanguageChoice, TimeZoneChoice, TokenScope
from siaga.accounts.models import User

DEFAULT_TOKEN_DAYS = 90


def _token_days_help() -> str:
    return gettext("Between 1 and %(max)d days.") % {"max": MAX_TOKEN_DAYS}


class LoginForm(AuthenticationForm):
    """E-mail and password. Django's form calls ``authenticate(request, ...)``, which axes counts."""

    # The field keeps Django's name "username": django-axes reads the login name from it.
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct."),
        "inactive": _("This account is disabled."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case (SiagaUserManager); a capitalised one must still match.
        return self.cleaned_data["username"].strip().lower()


class OneTimeCodeField(forms.CharField):
    def to_python(self, value: Any) -> str:
        # Authenticator apps show "123 456"; people paste codes with spaces or dashes around them.
        return "".join(str(value or "").split())


class TotpConfirmForm(forms.Form):
    """The first code from a newly added authenticator app."""

    code = OneTimeCodeField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        error_messages={
            "min_length": _("The code has 6 digits."),
            "max_length": _("The code has 6 digits."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."), code="digits")
        return code


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = OneTimeCodeField(
        label=_("Authentication code or recovery code"),
        max_length=40,
        help_text=_("Enter the 6-digit code from your authenticator app, or a recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class ProfileForm(forms.Form):
    """The preferences a user may change about themselves (see ``check_update_preferences``)."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("Used by the CERT to reach you during an incident."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LanguageChoice.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TimeZoneChoice.choices,
        help_text=_("Dates and times are shown in this zone."),
    )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, str]:
        return {name: getattr(user, name) for name in cls.base_fields}


class SiagaPasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail in the language of the account it is for, not of the requester."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class InvitationAcceptForm(forms.Form):
    """A new member's name and password. Someone who already has an account needs neither."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password, not only digits."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            # Checked here as well as in do_accept_invitation so the errors land on the field.
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “SIEM export”."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=DEFAULT_TOKEN_DAYS,
        help_text=lazy(_token_days_help, str)(),
    )
