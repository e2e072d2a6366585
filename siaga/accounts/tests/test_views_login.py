"""Signing in: password, lock-out after repeated failures, safe redirects, and the second factor."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import include, path, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import siaga.urls
from siaga.accounts.twofactor import new_recovery_codes
from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import PASSWORD, login

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:2fa-verify")
SETUP = reverse("accounts:2fa-setup")
HOME = reverse("core:home")


def sign_in(client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def actions_recorded() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "123456" if current_code(device) != "123456" else "654321"


def test_login_page_renders_for_anonymous_visitors(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'autocomplete="current-password"' in response.content


def test_reporter_signs_in_with_e_mail_and_password(client, personas):
    response = sign_in(client, "Reporter@Hospital.TEST")
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert AuditAction.LOGIN in actions_recorded()


def test_wrong_password_is_refused_and_audited(client, personas):
    response = sign_in(client, "reporter@hospital.test", "not-the-password")
    assert response.status_code == 400
    assert "The e-mail address or password is not correct." in response.text
    assert "_auth_user_id" not in client.session
    failure = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failure.object_repr == "reporter@hospital.test"


def test_account_is_locked_out_after_the_failure_limit(client, personas):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in(client, "reporter@hospital.test", "wrong").status_code == 400
    response = sign_in(client, "reporter@hospital.test", "wrong")
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    # Even the right password does not get in while the lock lasts.
    response = sign_in(client, "reporter@hospital.test")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditAction.LOCKOUT in actions_recorded()


@pytest.mark.parametrize("next_url", ["/accounts/profile/", "/accounts/tokens/?page=2"])
def test_a_local_next_is_followed(client, personas, next_url):
    response = sign_in(client, "reporter@hospital.test", next=next_url)
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"],
)
def test_a_foreign_next_is_ignored(client, personas, next_url):
    response = sign_in(client, "reporter@hospital.test", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_the_login_form_keeps_only_a_safe_next(client, db):
    safe = client.get(LOGIN, {"next": "/accounts/profile/"})
    assert '<input type="hidden" name="next" value="/accounts/profile/">' in safe.text
    unsafe = client.get(LOGIN, {"next": "https://evil.example/"})
    assert unsafe.context["next"] == ""
    assert 'name="next" value="https://evil.example/"' not in unsafe.text


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, personas):
    response = sign_in(client, "analyst@cert.test")
    assert response["Location"] == SETUP
    # Every other page sends them back there until it is done.
    assert client.get(HOME)["Location"] == SETUP
    assert client.get(SETUP).status_code == 200


def test_setting_up_an_authenticator_shows_the_qr_code_secret_and_recovery_codes(client, personas):
    login(client, personas.cert_analyst, verified=False)
    page = client.get(SETUP)
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=personas.cert_analyst, confirmed=False)
    assert page.context["secret"].replace(" ", "") in page.text.replace(" ", "")

    assert client.post(SETUP, {"code": wrong_code(device)}).status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0  # skip django-otp's wait after the wrong code
    device.save()

    response = client.post(SETUP, {"code": current_code(device)})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200  # this session counts as verified
    assert AuditAction.TWO_FACTOR_ENABLED in actions_recorded()


def test_a_password_alone_cannot_replace_an_existing_authenticator(client, personas):
    confirmed_device(personas.cert_analyst)
    login(client, personas.cert_analyst, verified=False)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=personas.cert_analyst, confirmed=False).exists()


def test_user_with_an_authenticator_is_asked_for_a_code(client, personas):
    confirmed_device(personas.cert_analyst)
    response = sign_in(client, "analyst@cert.test", next="/accounts/profile/")
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Fprofile%2F"
    assert client.get(HOME).status_code == 302


def test_a_real_totp_code_completes_the_sign_in(client, personas):
    device = confirmed_device(personas.cert_analyst)
    sign_in(client, "analyst@cert.test")
    response = client.post(VERIFY, {"code": current_code(device), "next": "/accounts/profile/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.get(HOME).status_code == 200
    assert actions_recorded()[-1] == AuditAction.TWO_FACTOR_VERIFIED


def test_a_recovery_code_completes_the_sign_in_once(client, personas):
    confirmed_device(personas.cert_analyst)
    codes = new_recovery_codes(personas.cert_analyst)
    sign_in(client, "analyst@cert.test")
    response = client.post(VERIFY, {"code": f" {codes[0]} "})
    assert response["Location"] == HOME
    assert AuditAction.TWO_FACTOR_RECOVERY_USED in actions_recorded()

    client.post(reverse("accounts:logout"))
    sign_in(client, "analyst@cert.test")
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_a_wrong_code_is_rejected_and_audited(client, personas):
    device = confirmed_device(personas.cert_analyst)
    sign_in(client, "analyst@cert.test")
    response = client.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert client.get(HOME).status_code == 302
    assert actions_recorded()[-1] == AuditAction.TWO_FACTOR_FAILED
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp's throttle counts it


def test_logout_needs_a_post(client, personas):
    login(client, personas.constituent_reporter)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert client.get(HOME).status_code == 302
    assert AuditAction.LOGOUT in actions_recorded()


def test_no_identity_provider_link_unless_enabled(client, db):
    assert b"identity provider" not in client.get(LOGIN).content


@pytest.mark.urls(__name__)
def test_the_identity_provider_link_shows_when_enabled(client, db, settings):
    settings.SIAGA_OIDC_ENABLED = True
    response = client.get(LOGIN)
    assert "identity provider" in response.text
    assert reverse("oidc_authentication_init") in response.text


# The URL map of an installation with OpenID Connect switched on (used by the test above).
urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *siaga.urls.urlpatterns]
