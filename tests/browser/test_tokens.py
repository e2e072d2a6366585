"""A reporter creates an API token, uses it, and revokes it."""

from playwright.sync_api import expect

from siaga.accounts.models import ApiToken
from siaga.core.testing import PASSWORD
from tests.browser.helpers import sign_in


def test_create_use_and_revoke_a_token(page, chromium, personas):
    reporter = personas.constituent_reporter
    sign_in(page, reporter.email, PASSWORD)
    page.goto("/accounts/tokens/")
    page.fill("input[name=name]", "SIEM connector")
    page.select_option("select[name=scope]", "read")
    page.fill("input[name=expires_in_days]", "30")
    page.get_by_role("button", name="Create token").click()

    raw = page.inner_text("#new-token").strip()
    assert raw.startswith("siaga_")
    token = ApiToken.objects.get(user=reporter, name="SIEM connector")
    assert raw not in (token.key_hash, token.prefix)  # only the hash is stored

    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status == 200 and me.json()["email"] == reporter.email

    page.goto("/accounts/tokens/")  # a reload no longer shows the secret
    expect(page.locator("#new-token")).to_have_count(0)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke SIEM connector").click()
    expect(page.locator("td .badge-revoked")).to_be_visible()

    refused = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
