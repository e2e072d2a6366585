"""A security-assessment campaign end to end: a CERT lead creates a NIST CSF 2.0 campaign for the
three hospitals (chosen by kind) and sends it; each hospital's administrator answers and submits
(the first answers all 106 questions in the browser; the other two answer a few in the browser and
the rest through the action layer, to keep the test quick); the CERT accepts each, and the result
page shows the score.

The lead and each administrator keep their own browser context (people at their own desks).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.accounts.roles import Role
from siaga.assessments import actions
from siaga.assessments.choices import AssessmentStatus, CampaignStatus
from siaga.assessments.models import Assessment, Campaign
from siaga.core.testing import PASSWORD, make_user
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization
from tests.browser.helpers import sign_in_with_authenticator

CAMPAIGN = "CSF 2.0 hospitals 2026"
VALUES = ("fully", "largely", "partial", "fully")


def give_authenticator(user: Any) -> None:
    TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})


def new_page(chromium: Any, live_server: Any) -> Any:
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    return context.new_page()


def create_and_send(page: Any) -> Campaign:
    page.goto("/assessments/")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label(re.compile(r"^Name:?$")).fill(CAMPAIGN)
    page.get_by_label(re.compile(r"^Framework version:?$")).select_option(
        label="NIST CSF 2.0 (2.0)"
    )
    deadline = timezone.localdate() + timedelta(days=21)
    page.get_by_label(re.compile(r"^Deadline:?$")).fill(deadline.isoformat())
    page.get_by_label("Hospital", exact=True).check()
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator("h1")).to_have_text(CAMPAIGN)
    page.get_by_role("button", name="Send to the constituents").click()
    expect(page.locator("#campaign-status")).to_have_text("Sent")
    campaign = Campaign.objects.get(name=CAMPAIGN)
    assert campaign.status == CampaignStatus.SENT
    return campaign


def answer_in_browser(page: Any, assessment: Assessment, question_ids: list[str]) -> None:
    page.goto(f"/assessments/{assessment.pk}/")
    for index, question_id in enumerate(question_ids):
        value = VALUES[index % len(VALUES)]
        page.locator(f'input[name="value_{question_id}"][value="{value}"]').check()


def test_a_lead_runs_a_csf_campaign_that_three_hospitals_answer(
    page: Any, chromium: Any, live_server: Any, personas: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("siaga.notifications.actions.dispatch", lambda delivery_ids: None)
    third = Organization.objects.create(
        name="Third Hospital",
        kind=OrganizationKind.CONSTITUENT,
        constituent_type=ConstituentType.HOSPITAL,
    )
    admins = {
        personas.orgs.hospital.pk: personas.constituent_admin,
        personas.orgs.other_hospital.pk: make_user(
            "admin@other.test", personas.orgs.other_hospital, Role.CONSTITUENT_ADMIN
        ),
        third.pk: make_user("admin@third.test", third, Role.CONSTITUENT_ADMIN),
    }
    lead = personas.cert_lead
    for person in (lead, *admins.values()):
        give_authenticator(person)

    sign_in_with_authenticator(page, lead, PASSWORD)
    campaign = create_and_send(page)
    assessments = list(campaign.assessments.select_related("organization").order_by("pk"))
    assert {a.organization.name for a in assessments} == {
        "Test Hospital", "Other Hospital", "Third Hospital",
    }  # fmt: skip
    question_ids = [q.id for q in actions.definition_of(assessments[0]).questions()]
    assert len(question_ids) == 106

    for number, assessment in enumerate(assessments):
        admin = admins[assessment.organization_id]
        desk = new_page(chromium, live_server)
        try:
            sign_in_with_authenticator(desk, admin, PASSWORD)
            if number == 0:
                answer_in_browser(desk, assessment, question_ids)  # every question, by hand
            else:
                answer_in_browser(desk, assessment, question_ids[:5])
                desk.get_by_role("button", name="Save draft").click()
                expect(desk.locator(".messages")).to_contain_text("saved as a draft")
                rest = {qid: actions.Entry("largely") for qid in question_ids[5:]}
                actions.check_save_answers(admin, assessment, rest)
                desk.goto(f"/assessments/{assessment.pk}/")
            desk.get_by_role("button", name="Save and submit").click()
            expect(desk.locator("#assessment-status")).to_have_text("Submitted")
        finally:
            desk.context.close()
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.SUBMITTED

    for assessment in assessments:
        page.goto(f"/assessments/{assessment.pk}/review/")
        page.get_by_role("button", name="Accept").click()
        expect(page.locator("#overall-score")).to_contain_text("%")
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.ACCEPTED
        expect(page.locator("#overall-score")).to_have_text(f"{assessment.score_percent}%")
    expect(page.locator("#maturity")).not_to_be_empty()
