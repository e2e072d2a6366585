"""The coordination group's secretariat at work: a CERT lead records a meeting (agenda, attendance,
minutes, two decisions, two action items) and drafts version 2 of the terms of reference; the
member agency's representative and the CERT approve it in the browser, and the terms-of-reference
page shows v2 in force with its approval trail.

The lead and the agency's member each keep their own browser context (two people, two desks).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from playwright.sync_api import expect

from siaga.core.testing import PASSWORD
from siaga.governance import actions
from siaga.governance.choices import TermsStatus
from siaga.governance.models import ActionItem, Meeting, TermsOfReferenceVersion
from siaga.governance.tests.conftest import make_rep, submitted_version
from tests.browser.helpers import sign_in_with_authenticator


def second_page(chromium: Any, live_server: Any) -> Any:
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    return context.new_page()


def record_meeting(page: Any) -> Meeting:
    page.goto("/governance/meetings/")
    page.get_by_role("link", name="New meeting").click()
    page.fill("#id_title", "Quarterly coordination meeting")
    page.fill("#id_starts_at", "2026-03-02T09:00")
    page.fill("#id_place", "CERT meeting room, Jakarta")
    page.fill("#id_agenda", "Threat situation\nTabletop exercise plan")
    page.fill("#id_minutes_id", "Kelompok membahas ransomware di rumah sakit.")
    page.fill("#id_minutes_en", "The group discussed ransomware at hospitals.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#agenda li")).to_have_text(["Threat situation", "Tabletop exercise plan"])

    page.get_by_role("link", name="Record attendance").click()
    page.get_by_label("Joko Susilo").select_option("present")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#attendance")).to_contain_text("Joko Susilo (Test Agency): Present")

    for text in ("Hold a ransomware tabletop next month", "Every member names a technical contact"):
        page.fill("#id_text_en", text)
        page.get_by_role("button", name="Record decision").click()
        expect(page.locator("#decisions")).to_contain_text(text)
    meeting = Meeting.objects.get()
    assert list(meeting.decisions.values_list("number", flat=True)) == [1, 2]

    for title, owner, number in (
        ("Write the tabletop scenario", "Analyst", 1),
        ("Send the technical contact", "Member", 2),
    ):
        page.get_by_role("link", name="New action item").click()
        page.fill("#id_title", title)
        page.select_option("#id_owner", label=owner)
        page.fill("#id_due_date", "2026-04-01")
        page.select_option("#id_decision", label=f"Quarterly coordination meeting #{number}")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#actions-heading + .table-wrap")).to_contain_text(title)
    return meeting


def draft_and_submit_v2(page: Any) -> TermsOfReferenceVersion:
    page.goto("/governance/terms/")
    page.get_by_role("link", name="Draft a new version").click()
    page.fill(
        "#id_body_en",
        "Terms of reference text.\nThe group meets within 24 hours of a major incident.",
    )
    page.fill("#id_change_summary_en", "Extraordinary meetings within 24 hours.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#version-status")).to_have_text("Submitted for approval")
    return TermsOfReferenceVersion.objects.get(number=2)


def test_secretariat_records_a_meeting_and_the_group_approves_new_terms(
    page: Any, chromium: Any, live_server: Any, personas: Any
) -> None:
    lead, member = personas.cert_lead, personas.coord_member
    make_rep(personas.orgs.agency)
    v1 = submitted_version(lead)
    actions.check_approve(lead, v1)
    actions.check_approve(member, v1)

    sign_in_with_authenticator(page, lead, PASSWORD)
    meeting = record_meeting(page)
    assert ActionItem.objects.filter(meeting=meeting, decision__isnull=False).count() == 2
    assert "ransomware" in Meeting.objects.get().minutes_id

    v2 = draft_and_submit_v2(page)
    page.get_by_role("button", name="Approve on behalf of Test CERT").click()
    expect(page.locator("#approval-trail")).to_contain_text("Test CERT")
    expect(page.locator("#version-status")).to_have_text("Submitted for approval")

    member_page = second_page(chromium, live_server)
    sign_in_with_authenticator(member_page, member, PASSWORD)
    member_page.goto(f"/governance/terms/{v2.pk}/")
    member_page.get_by_role("button", name="Approve on behalf of Test Agency").click()
    expect(member_page.locator("#version-status")).to_have_text("Approved")
    member_page.context.close()

    page.goto("/governance/terms/")
    expect(page.get_by_role("heading", name="Version in force: v2")).to_be_visible()
    page.get_by_role("link", name="Read this version and its approvals").click()
    trail = page.locator("#approval-trail tbody tr")
    expect(trail).to_have_count(2)
    expect(trail.nth(0)).to_contain_text("Test CERT")
    expect(trail.nth(0)).to_contain_text(str(lead))
    expect(trail.nth(1)).to_contain_text("Test Agency")
    expect(trail.nth(1)).to_contain_text(str(member))
    v1.refresh_from_db()
    assert v1.status == TermsStatus.SUPERSEDED
