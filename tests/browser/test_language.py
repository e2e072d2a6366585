"""The language switcher changes every label at once and remembers the choice."""

from playwright.sync_api import expect

from siaga.core.testing import PASSWORD
from tests.browser.helpers import sign_in


def test_switching_between_english_and_bahasa_indonesia(page, chromium, personas):
    reporter = personas.constituent_reporter
    sign_in(page, reporter.email, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.locator("nav").first).to_contain_text("Incidents")

    page.click("form.langswitch button[value=id]")
    expect(page.locator("h1")).to_contain_text("Selamat datang")
    expect(page.locator("nav").first).to_contain_text("Insiden")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    reporter.refresh_from_db()
    assert reporter.language == "id"

    page.goto("/accounts/profile/")  # the choice holds on every page
    expect(page.locator("html")).to_have_attribute("lang", "id")

    page.click("form.langswitch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).not_to_contain_text("Zona waktu")
