"""The intelligence desk end to end, as a new user would try it: a CERT analyst imports a STIX
bundle and adds indicators by hand, looks up where a value occurs; a hospital's administrator sees
only what is shared with the hospital and reports a sighting, which the analyst then sees.

One journey in one test: each step needs what the one before made. The analyst and the hospital's
administrator each keep their own browser context (as two people at two desks would), so nobody
signs in twice with the same one-time code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.core.testing import PASSWORD
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.stix.models import StixObject
from tests.browser.helpers import sign_in_with_authenticator

IMPORTED_IP = "203.0.113.77"
SHARED_DOMAIN = "evil-clinic.example"
CERT_ONLY_DOMAIN = "cert-only.example"
INDICATOR_ID = "indicator--8d6b0b3e-5f0a-4c52-9c55-6f1e1d9b7a01"
MALWARE_ID = "malware--3c0e2a4f-8b1d-4e7a-9f26-0b5d8c1e4a02"
RELATIONSHIP_ID = "relationship--6a1f9d2c-7e3b-4c8a-b5d0-2e9f7a6c1b03"
MALWARE_NAME = "ClinicLocker"
SIGHTING_WHERE = "Outbound proxy of the radiology network"


def stix_bundle() -> dict[str, Any]:
    """An indicator marked TLP:GREEN (TLP 2.0), the malware it points to, and their relationship."""
    stamp = "2026-03-01T08:00:00.000Z"
    common = {"spec_version": "2.1", "created": stamp, "modified": stamp}
    return {
        "type": "bundle",
        "id": "bundle--1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a05",
        "objects": [
            {
                **common,
                "type": "indicator",
                "id": INDICATOR_ID,
                "name": f"{MALWARE_NAME} command and control",
                "pattern": f"[ipv4-addr:value = '{IMPORTED_IP}']",
                "pattern_type": "stix",
                "valid_from": stamp,
                "indicator_types": ["malicious-activity"],
                "object_marking_refs": [TLP2_MARKING_IDS[TLP.GREEN]],
            },
            {
                **common,
                "type": "malware",
                "id": MALWARE_ID,
                "name": MALWARE_NAME,
                "is_family": True,
                "malware_types": ["ransomware"],
            },
            {
                **common,
                "type": "relationship",
                "id": RELATIONSHIP_ID,
                "relationship_type": "indicates",
                "source_ref": INDICATOR_ID,
                "target_ref": MALWARE_ID,
            },
        ],
    }


def give_authenticator(user: Any) -> None:
    TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})


def new_page(chromium: Any, live_server: Any, like: Any) -> Any:
    """A second person's browser: a context of its own, set up as the ``page`` fixture's."""
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies([c for c in like.context.cookies() if c["name"] != "siaga_session"])
    return context.new_page()


def field(scope: Any, label: str) -> Any:
    """The form field labelled ``label`` (Django writes it "Label:")."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def row_of(page: Any, text: str) -> Any:
    return page.locator("table tbody tr", has_text=text)


# --- The analyst ---------------------------------------------------------------------------------


def import_bundle(page: Any, bundle_file: Path) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intelligence").click()
    expect(page.locator("h1")).to_have_text("Indicators")
    page.get_by_role("navigation", name="Intelligence").get_by_role(
        "link", name="Import STIX"
    ).click()
    expect(page.locator("h1")).to_have_text("Import STIX")
    field(page, "STIX bundle").set_input_files(str(bundle_file))
    field(page, "TLP").select_option(TLP.GREEN)
    field(page, "Distribution").select_option(label="All constituents and agencies")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.locator("h1")).to_have_text(f"Import of {bundle_file.name}")
    facts = page.locator("dl.facts")
    expect(facts.locator("dt:text-is('Added') + dd")).to_have_text("3")
    expect(facts.locator("dt:text-is('Refused') + dd")).to_have_text("0")
    expect(facts.locator("dt:text-is('Indicators made') + dd")).to_have_text("1")
    stored = set(StixObject.objects.filter(is_latest=True).values_list("stix_id", flat=True))
    assert {INDICATOR_ID, MALWARE_ID, RELATIONSHIP_ID} <= stored, stored


def browse_stix_store(page: Any) -> None:
    page.get_by_role("link", name="Back to the STIX objects").click()
    expect(page.locator("h1")).to_have_text("STIX objects")
    for stix_id, kind in (
        (INDICATOR_ID, "indicator"),
        (MALWARE_ID, "malware"),
        (RELATIONSHIP_ID, "relationship"),
    ):
        row = row_of(page, stix_id)
        expect(row).to_contain_text(kind)
        expect(row).to_contain_text("TLP:GREEN")
        expect(row).to_contain_text("All constituents and agencies")

    field(page, "Type").fill("malware")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    page.get_by_role("link", name=MALWARE_ID).click()
    expect(page.locator("h1")).to_have_text(MALWARE_ID)
    expect(page.locator("dl.facts")).to_contain_text("malware")
    expect(page.locator("pre")).to_contain_text(f'"name": "{MALWARE_NAME}"')


def add_indicator(page: Any, value: str, tlp: str, distribution: str) -> Indicator:
    page.goto("/intel/indicators/")
    page.get_by_role("link", name="New indicator").click()
    expect(page.locator("h1")).to_have_text("New indicator")
    field(page, "Type").select_option("domain")
    field(page, "Value").fill(value)
    field(page, "TLP").select_option(tlp)
    field(page, "Distribution").select_option(distribution)
    page.get_by_role("button", name="Add indicator").click()

    expect(page.locator("ul.messages")).to_contain_text("Indicator added.")
    expect(page.locator("h1")).to_contain_text(value)
    indicator = Indicator.objects.get(value=value)
    assert (indicator.tlp, indicator.distribution) == (tlp, distribution)
    expect(page).to_have_url(re.compile(rf"/intel/indicators/{indicator.pk}/$"))
    expect(page.locator("p.lead .badge-tlp")).to_have_text(TLP(tlp).label)
    return indicator


def look_up_holders(page: Any) -> Indicator:
    page.goto("/intel/indicators/")
    row = row_of(page, IMPORTED_IP)
    expect(row).to_contain_text("TLP:GREEN")
    row.get_by_role("link", name=IMPORTED_IP).click()
    expect(page.locator("h1")).to_contain_text(IMPORTED_IP)
    expect(page.locator("section", has=page.locator("#summary-heading"))).to_contain_text(
        f"[ipv4-addr:value = '{IMPORTED_IP}']"
    )
    derived = Indicator.objects.get(value=IMPORTED_IP)

    page.get_by_role("link", name="Where else is this value?").click()
    expect(page.locator("h1")).to_have_text("Correlation")
    found = page.locator("section", has=page.locator("#value-heading"))
    expect(found.locator("h2")).to_have_text(IMPORTED_IP)
    # The derived indicator holds it, and the link leads back to it.
    link_to_derived = page.locator(f"a[href$='/intel/indicators/{derived.pk}/']")
    holder_item = found.locator("li", has=link_to_derived)
    expect(holder_item).to_have_count(1)
    expect(holder_item).to_contain_text(derived.organization.name)
    expect(holder_item).to_contain_text("TLP:GREEN")
    expect(found).not_to_contain_text("Nothing you can see holds this value.")
    holder_item.locator(link_to_derived).click()
    expect(page.locator("h1")).to_contain_text(IMPORTED_IP)
    return derived


# --- The hospital --------------------------------------------------------------------------------


def hospital_sees_only_what_is_shared(page: Any, cert_only: Indicator) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intelligence").click()
    expect(page.locator("h1")).to_have_text("Indicators")
    expect(row_of(page, SHARED_DOMAIN)).to_have_count(1)
    expect(row_of(page, IMPORTED_IP)).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(CERT_ONLY_DOMAIN)

    response = page.goto(f"/intel/indicators/{cert_only.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(CERT_ONLY_DOMAIN)


def report_sighting(page: Any, shared: Indicator, hospital: Any) -> None:
    page.goto("/intel/indicators/")
    row_of(page, SHARED_DOMAIN).get_by_role("link", name=SHARED_DOMAIN).click()
    expect(page.locator("h1")).to_contain_text(SHARED_DOMAIN)
    # The CERT's indicator: the hospital may report on it, not change it.
    actions = page.locator(".page-header .actions")
    expect(actions.get_by_role("link", name="Edit")).to_have_count(0)
    expect(actions.get_by_role("button", name="Delete this indicator")).to_have_count(0)
    sightings = page.locator("section", has=page.locator("#sightings-heading"))
    expect(sightings).to_contain_text("No sightings that you may see.")
    form = sightings.get_by_role("form", name="Report a sighting")
    field(form, "How many times").fill("3")
    field(form, "Where").fill(SIGHTING_WHERE)
    form.get_by_role("button", name="Record sighting").click()

    expect(page.locator("ul.messages")).to_contain_text("Sighting recorded.")
    sightings = page.locator("section", has=page.locator("#sightings-heading"))
    row = sightings.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(hospital.name)
    expect(row).to_contain_text(SIGHTING_WHERE)
    expect(row.locator("td").nth(2)).to_have_text("3")
    sighting = Sighting.objects.get(indicator=shared)
    assert sighting.organization == hospital and sighting.count == 3


# --- The journey ---------------------------------------------------------------------------------


def test_an_analyst_shares_intelligence_and_a_hospital_reports_a_sighting(
    page: Any, chromium: Any, live_server: Any, personas: Any, tmp_path: Path
) -> None:
    analyst, hospital_admin = personas.cert_analyst, personas.constituent_admin
    hospital = personas.orgs.hospital
    give_authenticator(analyst)
    give_authenticator(hospital_admin)
    bundle_file = tmp_path / "clinic-locker.json"
    bundle_file.write_text(json.dumps(stix_bundle()))

    sign_in_with_authenticator(page, analyst, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    import_bundle(page, bundle_file)
    browse_stix_store(page)
    shared = add_indicator(page, SHARED_DOMAIN, TLP.GREEN, Distribution.CONSTITUENTS)
    cert_only = add_indicator(page, CERT_ONLY_DOMAIN, TLP.AMBER, Distribution.ORGANIZATION)
    look_up_holders(page)

    hospital_page = new_page(chromium, live_server, page)
    try:
        sign_in_with_authenticator(hospital_page, hospital_admin, PASSWORD)
        expect(hospital_page.locator("h1")).to_contain_text("Welcome")
        hospital_sees_only_what_is_shared(hospital_page, cert_only)
        report_sighting(hospital_page, shared, hospital)
    finally:
        hospital_page.context.close()

    # Back at the analyst's desk: the count and the hospital's sighting are there.
    page.goto(f"/intel/indicators/{shared.pk}/")
    summary = page.locator("section", has=page.locator("#summary-heading"))
    expect(summary.locator("dt:text-is('Sightings') + dd")).to_contain_text(re.compile(r"^1\b"))
    sightings = page.locator("section", has=page.locator("#sightings-heading"))
    expect(sightings.locator("tbody tr")).to_have_count(1)
    expect(sightings.locator("tbody tr")).to_contain_text(hospital.name)
