"""The advisory desk end to end, issue 6's "done when" as a new user would try it: a CERT analyst
imports a medical-device CSAF advisory (../shared/data/csaf/icsma), sees which hospitals run the
affected product, writes a bilingual advisory from it; a lead publishes it to them; the hospital's
contact is e-mailed in Indonesian through a real SMTP exchange, its administrator answers in the
portal, the CERT sees the answer, and the CSAF that Siaga exports validates in both languages.

One journey in one test: each step needs what the one before made. The analyst, the lead and the
hospital's administrator each keep their own browser context (three people at three desks), so
nobody signs in twice with the same one-time code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.advisories.choices import AdvisoryStatus, Answer
from siaga.advisories.models import Advisory, AdvisoryRecipient
from siaga.constituents.models import Contact, InventoryItem
from siaga.core.testing import PASSWORD
from siaga.csaf.validation import csaf_problems
from siaga.notifications.choices import DeliveryStatus
from siaga.notifications.models import Delivery
from siaga.notifications.tasks import deliver_due_notifications
from siaga.vulns.models import VendorAdvisory
from tests.browser.helpers import sign_in_with_authenticator
from tests.browser.smtp_sink import SmtpSink

ICSMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "csaf" / "icsma"
# Stryker's hospital beds: one vendor, products named plainly, models as versions, one CVE.
STRYKER = ICSMA / "icsma-19-029-01.json"
VENDOR_TRACKING_ID = "ICSMA-19-029-01"
VENDOR_TITLE = "Stryker Medical Beds"
CVE = "CVE-2017-13077"
BED_PRODUCT = "S3 MedSurg Bed (enabled with iBed Wireless)"
BED_MODEL = "3005 S3"
BED_NAME = "Tempat tidur ICU lantai 3"

TITLE_ID = "Kerentanan KRACK pada tempat tidur pasien Stryker"
SUMMARY_ID = (
    "Modul nirkabel iBed pada tempat tidur Stryker rentan terhadap serangan KRACK (WPA2). "
    "Pasang pembaruan dari Stryker dan pisahkan jaringan nirkabel tempat tidur."
)
ANSWER_COMMENT = "Firmware diperbarui pada 12 tempat tidur; jaringan iBed dipisahkan."
CONTACT_EMAIL = "keamanan@hospital.test"

pytestmark = pytest.mark.skipif(
    not STRYKER.exists(),
    reason="../shared/data/csaf/icsma is not here (a user's clone); CI has it",
)


# --- Set-up ------------------------------------------------------------------------------------------


def give_authenticator(user: Any) -> None:
    TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})


def hospital_runs_the_beds(hospital: Any) -> tuple[InventoryItem, Contact]:
    """The hospital's inventory lists an affected bed model; its security officer, who reads
    Indonesian, wants advisories."""
    item = InventoryItem.objects.create(
        organization=hospital,
        kind="medical_device",
        name=BED_NAME,
        vendor="Stryker",
        product=BED_PRODUCT,
        version=BED_MODEL,
    )
    contact = Contact.objects.create(
        organization=hospital,
        name="Budi Santoso",
        role="security_officer",
        email=CONTACT_EMAIL,
        language="id",
        notification_kinds=["advisories"],
    )
    return item, contact


def new_page(chromium: Any, live_server: Any, like: Any) -> Any:
    """Another person's browser: a context of its own, set up as the ``page`` fixture's."""
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies([c for c in like.context.cookies() if c["name"] != "siaga_session"])
    return context.new_page()


def field(scope: Any, label: str) -> Any:
    """The form field labelled ``label`` (Django may write it "Label:")."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def section(page: Any, heading_id: str) -> Any:
    return page.locator("section", has=page.locator(f"#{heading_id}"))


def fact(scope: Any, term: str) -> Any:
    return scope.locator(f"dt:text-is('{term}') + dd")


# --- The analyst ---------------------------------------------------------------------------------


def import_vendor_csaf(page: Any) -> VendorAdvisory:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vulnerabilities").click()
    expect(page.locator("h1")).to_have_text("Vulnerabilities")
    page.get_by_role("navigation", name="Vulnerabilities").get_by_role(
        "link", name="Import"
    ).click()
    expect(page.locator("h1")).to_have_text("Import vulnerability data")
    field(page, "Kind of data").select_option("csaf")
    field(page, "Files").set_input_files(str(STRYKER))
    page.get_by_role("button", name="Import", exact=True).click()

    result = section(page, "result-heading")
    expect(result.get_by_role("heading", name="Result")).to_be_visible()
    expect(result).not_to_contain_text("The file was refused")
    expect(fact(result, "Created")).to_have_text("1")
    expect(fact(result, "Skipped")).to_have_text("0")
    expect(fact(result, "Affected products written")).to_have_text(re.compile(r"^[1-9]\d*$"))
    vendor = VendorAdvisory.objects.get(tracking_id=VENDOR_TRACKING_ID)
    assert vendor.affected_products.filter(product=BED_PRODUCT).exists()
    return vendor


def see_who_runs_it(page: Any, hospital: Any, other_hospital: Any) -> None:
    page.get_by_role("navigation", name="Vulnerabilities").get_by_role(
        "link", name="Vendor advisories"
    ).click()
    expect(page.locator("h1")).to_have_text("Vendor advisories")
    row = page.locator("table tbody tr", has_text=VENDOR_TRACKING_ID)
    expect(row).to_contain_text(VENDOR_TITLE)
    row.get_by_role("link", name=VENDOR_TRACKING_ID).click()
    expect(page.locator("h1")).to_contain_text(VENDOR_TRACKING_ID)
    expect(section(page, "about-heading")).to_contain_text(CVE)
    expect(section(page, "products-heading")).to_contain_text(BED_PRODUCT)

    running = section(page, "exposure-heading")
    expect(running.get_by_role("heading", name="Constituents running this")).to_be_visible()
    hospital_row = running.locator("tbody tr", has_text=hospital.name)
    expect(hospital_row).to_have_count(1)
    expect(hospital_row).to_contain_text(BED_NAME)
    expect(hospital_row).to_contain_text(BED_MODEL)
    expect(running).not_to_contain_text(other_hospital.name)


def write_advisory_from_it(page: Any, vendor: VendorAdvisory) -> Advisory:
    page.get_by_role("button", name="Write an advisory from it").click()
    expect(page).to_have_url(re.compile(r"/advisories/\d+/edit/$"))
    advisory = Advisory.objects.get(vendor_advisory=vendor)
    expect(page.locator("h1")).to_have_text(f"Edit {advisory.tracking_id}")
    expect(page.locator("ul.messages")).to_contain_text("Draft created from the vendor's advisory")
    # The English comes from the vendor; the Indonesian starts as a copy to translate.
    expect(page.get_by_label("Title (English)", exact=True)).to_have_value(VENDOR_TITLE)
    products = section(page, "products-heading")
    expect(products.locator("input[value='Stryker']").first).to_be_visible()
    page.get_by_label("Title (Bahasa Indonesia)", exact=True).fill(TITLE_ID)
    page.get_by_label("Summary (Bahasa Indonesia)", exact=True).fill(SUMMARY_ID)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/advisories/{advisory.pk}/$"))
    expect(page.locator("ul.messages")).to_contain_text("Advisory saved.")
    texts = section(page, "texts-heading")
    title_row = texts.get_by_role("row", name=re.compile(r"^Title"))
    expect(title_row).to_contain_text(TITLE_ID)
    expect(title_row).to_contain_text(VENDOR_TITLE)
    expect(page.locator("main")).not_to_contain_text("The Indonesian text is older")
    expect(section(page, "cves-heading")).to_contain_text(CVE)
    advisory.refresh_from_db()
    assert (advisory.title_id, advisory.title_en) == (TITLE_ID, VENDOR_TITLE)
    assert advisory.lagging_language is None
    return advisory


def submit_for_review(page: Any, advisory: Advisory) -> None:
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("ul.messages")).to_contain_text("Submitted for review.")
    expect(fact(section(page, "state-heading"), "Status")).to_contain_text("In review")
    advisory.refresh_from_db()
    assert advisory.status == AdvisoryStatus.IN_REVIEW


# --- The lead ------------------------------------------------------------------------------------


def review_and_publish(page: Any, advisory: Advisory, hospital: Any, other_hospital: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Advisories").click()
    expect(page.locator("h1")).to_have_text("Advisories")
    row = page.locator("table tbody tr", has_text=advisory.tracking_id)
    expect(row).to_contain_text("In review")
    row.get_by_role("link", name=advisory.tracking_id).click()
    expect(page.locator("h1")).to_contain_text(advisory.tracking_id)

    # Who it would go to: the hospital that runs the bed, with the bed named; nobody else.
    preview = section(page, "preview-heading")
    expect(preview.get_by_role("heading")).to_have_text("It would go to 1 constituent")
    expect(preview).to_contain_text(hospital.name)
    expect(preview).to_contain_text("Runs an affected product")
    expect(preview).to_contain_text(BED_MODEL)
    expect(preview).not_to_contain_text(other_hospital.name)

    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("ul.messages")).to_contain_text("Published.")
    state = section(page, "state-heading")
    expect(fact(state, "Status")).to_have_text("Published")
    expect(fact(state, "Published version")).to_have_text("1")
    advisory.refresh_from_db()
    assert advisory.status == AdvisoryStatus.PUBLISHED and advisory.version == 1


def contact_is_emailed_in_indonesian(sink: SmtpSink, advisory: Advisory) -> None:
    deliveries = list(
        Delivery.objects.filter(
            event_kind="advisory_published", object_id=str(advisory.pk), channel="email"
        )
    )
    assert [(d.address, d.language) for d in deliveries] == [(CONTACT_EMAIL, "id")]

    deliver_due_notifications()  # the beat task, in this process

    mail = sink.wait_for(lambda m: CONTACT_EMAIL in m.rcpt_to)
    assert mail.rcpt_to == [CONTACT_EMAIL]
    assert advisory.tracking_id in mail.subject
    assert TITLE_ID in mail.subject, mail.subject  # the Indonesian title, not the vendor's
    assert SUMMARY_ID in mail.body
    assert f"/advisories/{advisory.pk}/" in mail.body
    assert VENDOR_TITLE not in mail.subject
    (delivery,) = deliveries
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error


# --- The hospital --------------------------------------------------------------------------------


def hospital_answers(page: Any, live_server: Any, advisory: Advisory, hospital: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Advisories").click()
    expect(page.locator("h1")).to_have_text("Advisories")
    row = page.locator("table tbody tr", has_text=advisory.tracking_id)
    expect(row).to_contain_text("Not answered")
    row.get_by_role("link", name=advisory.tracking_id).click()

    expect(page.locator("h1")).to_contain_text(advisory.tracking_id)
    expect(page.locator("main")).to_contain_text(CVE)
    expect(page.locator("main")).to_contain_text(BED_PRODUCT)
    answer = section(page, f"answer-{AdvisoryRecipient.objects.get(advisory=advisory).pk}")
    expect(answer.get_by_role("heading")).to_have_text(f"Answer of {hospital.name}")
    expect(answer).to_contain_text(BED_MODEL)  # the hospital's own system that matched
    answer.get_by_role("radio", name="Patched").check()
    answer.get_by_role("textbox", name=re.compile(r"^Comment")).fill(ANSWER_COMMENT)
    answer.get_by_role("button", name="Send answer").click()

    expect(page.locator("ul.messages")).to_contain_text("Thank you: your answer is recorded.")
    expect(page.locator("main")).to_contain_text(ANSWER_COMMENT)
    recipient = AdvisoryRecipient.objects.get(advisory=advisory, organization=hospital)
    assert recipient.answer == Answer.PATCHED and recipient.answer_comment == ANSWER_COMMENT

    page.goto("/advisories/")
    row = page.locator("table tbody tr", has_text=advisory.tracking_id)
    expect(row).to_contain_text("Patched")

    # Read in Indonesian, the same advisory shows the Indonesian text written for it.
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url}]
    )
    page.goto(f"/advisories/{advisory.pk}/")
    expect(page.locator("h1")).to_contain_text(TITLE_ID)
    expect(page.locator("main")).to_contain_text(SUMMARY_ID)


# --- The CERT sees the answer; the export validates ----------------------------------------------


def answers_reach_the_cert(page: Any, advisory: Advisory, hospital: Any, other: Any) -> None:
    page.goto(f"/advisories/{advisory.pk}/")
    page.get_by_role("link", name="Recipients and answers").click()
    expect(page.locator("h1")).to_have_text(f"Recipients of {advisory.tracking_id}")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    row = rows.filter(has_text=hospital.name)
    expect(row).to_contain_text("Runs an affected product")
    expect(row).to_contain_text(BED_MODEL)
    expect(row).to_contain_text("Patched")
    expect(row).to_contain_text(ANSWER_COMMENT)
    expect(page.locator("main")).not_to_contain_text(other.name)


def exported_csaf_validates(page: Any, advisory: Advisory) -> None:
    page.goto(f"/advisories/{advisory.pk}/")
    state = section(page, "state-heading")
    for language, label, title in (
        ("id", "CSAF 2.0 (Bahasa Indonesia)", TITLE_ID),
        ("en", "CSAF 2.0 (English)", VENDOR_TITLE),
    ):
        href = state.get_by_role("link", name=label).get_attribute("href")
        assert href, label
        response = page.request.get(href)
        assert response.status == 200, (href, response.status, response.text()[:2000])
        document = response.json()
        problems = csaf_problems(document)
        assert problems == [], (language, problems)
        assert document["document"]["lang"].split("-")[0] == language
        assert document["document"]["title"] == title
        assert document["document"]["tracking"]["id"] == advisory.tracking_id
        assert [v.get("cve") for v in document["vulnerabilities"]] == [CVE]


# --- The journey ---------------------------------------------------------------------------------


def test_an_analyst_turns_a_vendor_csaf_into_an_advisory_the_hospital_answers(
    page: Any,
    chromium: Any,
    live_server: Any,
    personas: Any,
    settings: Any,
    monkeypatch: Any,
) -> None:
    # No worker runs here: deliveries wait in the database for the beat task, as when the broker
    # is down, instead of leaving messages in the shared test broker for other tests' workers.
    monkeypatch.setattr("siaga.notifications.actions.dispatch", lambda delivery_ids: None)
    analyst, lead = personas.cert_analyst, personas.cert_lead
    hospital_admin = personas.constituent_admin
    hospital, other_hospital = personas.orgs.hospital, personas.orgs.other_hospital
    for person in (analyst, lead, hospital_admin):
        give_authenticator(person)
    hospital_runs_the_beds(hospital)

    sign_in_with_authenticator(page, analyst, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    vendor = import_vendor_csaf(page)
    see_who_runs_it(page, hospital, other_hospital)
    advisory = write_advisory_from_it(page, vendor)
    submit_for_review(page, advisory)

    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        lead_page = new_page(chromium, live_server, page)
        try:
            sign_in_with_authenticator(lead_page, lead, PASSWORD)
            expect(lead_page.locator("h1")).to_contain_text("Welcome")
            review_and_publish(lead_page, advisory, hospital, other_hospital)
        finally:
            lead_page.context.close()
        contact_is_emailed_in_indonesian(sink, advisory)

    hospital_page = new_page(chromium, live_server, page)
    try:
        sign_in_with_authenticator(hospital_page, hospital_admin, PASSWORD)
        expect(hospital_page.locator("h1")).to_contain_text("Welcome")
        hospital_answers(hospital_page, live_server, advisory, hospital)
    finally:
        hospital_page.context.close()

    # Back at the analyst's desk: the hospital's answer, and the CSAF export in both languages.
    answers_reach_the_cert(page, advisory, hospital, other_hospital)
    exported_csaf_validates(page, advisory)
