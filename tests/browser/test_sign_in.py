"""Signing in with a second factor: set-up at first sign-in, then a recovery code the next time."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.audit.models import AuditEntry
from siaga.core.testing import PASSWORD
from tests.browser.helpers import sign_in, totp_code_from_secret


def test_staff_set_up_an_authenticator_then_sign_in_with_a_recovery_code(page, chromium, personas):
    analyst = personas.cert_analyst
    sign_in(page, analyst.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    expect(page.locator(".qr svg")).to_be_visible()
    code = totp_code_from_secret(page.inner_text("#totp-secret"))
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    # all_inner_texts() does not wait for the next page: wait until its codes are there.
    recovery_codes = page.locator("#recovery-codes li")
    expect(recovery_codes).to_have_count(10)
    codes = recovery_codes.all_inner_texts()
    page.get_by_role("link", name="I have stored the codes — continue").click()
    expect(page.locator("h1")).to_contain_text("Welcome")
    assert TOTPDevice.objects.filter(user=analyst, confirmed=True).count() == 1

    page.context.clear_cookies(name="siaga_session")  # a new sign-in; the language cookie stays
    sign_in(page, analyst.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    page.fill("input[name=code]", "000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".errorlist, .error-summary").first).to_be_visible()
    page.fill("input[name=code]", codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("h1")).to_contain_text("Welcome")

    actions = list(AuditEntry.objects.filter(actor_id=analyst.pk).values_list("action", flat=True))
    for expected in ("login", "2fa_enabled", "2fa_failed", "2fa_recovery_used"):
        assert expected in actions


def test_a_wrong_password_is_refused_with_a_message(page, chromium, personas):
    sign_in(page, personas.constituent_reporter.email, "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".errorlist, .error-summary").first).to_be_visible()
