"""The quarterly sector report end to end, as issue 7's "done when" asks: three hospitals answer a
NIST CSF 2.0 campaign (through the action layer, ``siaga/reports/tests/quarter_world.py``; the
campaign's own pages are covered by ``test_assessment_campaign``), the last of them submitting in
the browser; the CERT lead accepts it, generates the quarter's report ("generate now", a job),
writes the narrative in both languages and publishes it; a coordination-group member reads the
scores, the incident count and the trend, switches to Bahasa Indonesia and downloads the PDF.

Everyone keeps their own browser context (people at their own desks).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from django.conf import settings
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.assessments.choices import AssessmentStatus
from siaga.core.testing import PASSWORD
from siaga.jobs.tasks import run_job
from siaga.reports import periods
from siaga.reports.choices import SectorReportStatus
from siaga.reports.models import SectorReport
from siaga.reports.tests import quarter_world as qw
from tests.browser.helpers import sign_in_with_authenticator

NARRATIVE_ID = "Tiga rumah sakit menyelesaikan penilaian NIST CSF 2.0 pada triwulan ini."
NARRATIVE_EN = "Three hospitals completed the NIST CSF 2.0 assessment this quarter."


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


def field(scope: Any, label: str) -> Any:
    """The form field labelled ``label`` (Django may write it "Label:")."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def key_figure(page: Any, label: str) -> Any:
    return page.locator("#summary tr", has=page.locator(f"th:text-is('{label}')")).locator("td")


def decimal(value: float, language: str) -> str:
    return f"{value:.1f}".replace(".", "," if language == "id" else ".")


# --- The hospital and the lead ---------------------------------------------------------------------


def hospital_submits(chromium: Any, live_server: Any, world: qw.World) -> None:
    assessment = world.assessments[qw.HARAPAN]
    desk = new_page(chromium, live_server)
    try:
        sign_in_with_authenticator(desk, world.admins[qw.HARAPAN], PASSWORD)
        desk.goto(f"/assessments/{assessment.pk}/")
        desk.get_by_role("button", name="Save and submit").click()
        expect(desk.locator("#assessment-status")).to_have_text("Submitted")
    finally:
        desk.context.close()


def lead_accepts(page: Any, world: qw.World) -> None:
    assessment = world.assessments[qw.HARAPAN]
    page.goto(f"/assessments/{assessment.pk}/review/")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#overall-score")).to_have_text(f"{qw.EXPECTED_SCORES[qw.HARAPAN]}%")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ACCEPTED


def lead_generates(page: Any, label: str) -> SectorReport:
    page.goto("/sector-reports/")
    field(page, "Period").select_option("quarterly")
    field(page, "A day in the period").fill(periods.local_today(timezone.now()).isoformat())
    page.get_by_role("button", name="Generate the draft").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("[data-testid=job-status]")).to_have_text(re.compile("succeeded", re.I))
    page.goto("/sector-reports/")
    page.get_by_role("link", name=label).click()
    expect(page.locator("h1")).to_have_text(f"Sector report {label}")
    return SectorReport.objects.get()


def lead_writes_and_publishes(page: Any, report: SectorReport) -> None:
    page.get_by_role("link", name="Edit the narrative").click()
    field(page, "Narrative in Bahasa Indonesia").fill(NARRATIVE_ID)
    field(page, "Narrative in English").fill(NARRATIVE_EN)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Narrative saved.")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("Sector report published.")
    report.refresh_from_db()
    assert report.status == SectorReportStatus.PUBLISHED
    assert (report.narrative_id, report.narrative_en) == (NARRATIVE_ID, NARRATIVE_EN)


# --- The coordination member -----------------------------------------------------------------------


def member_reads(reader: Any, language: str) -> None:
    """The key figures, the trend and the scores table as shown in ``language``."""
    scores = reader.locator("#assessments table")
    for name, score in qw.EXPECTED_SCORES.items():
        row = scores.locator(
            "tr", has=reader.locator(f"td:text-is('{name}'), th:text-is('{name}')")
        )
        expect(row).to_contain_text(decimal(score, language))
    expect(scores.locator("tbody tr")).to_have_count(3)
    narrative = NARRATIVE_ID if language == "id" else NARRATIVE_EN
    expect(reader.locator(".report-narrative")).to_have_text(narrative)


def member_downloads_pdf(reader: Any, label_id: str) -> None:
    with reader.expect_download() as info:
        reader.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename.endswith("-id.pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(io.BytesIO(data))
    try:
        assert len(document) >= 2
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    assert label_id in text
    assert re.search(rf"Insiden dalam periode {qw.EXPECTED_TOTAL}\s", text)
    for name, score in qw.EXPECTED_SCORES.items():
        assert name in text and decimal(score, "id") in text
    assert NARRATIVE_ID in text


def test_a_lead_publishes_the_quarters_report_that_a_member_reads(
    page: Any,
    chromium: Any,
    live_server: Any,
    personas: Any,
    settings: Any,
    monkeypatch: Any,
    tmp_path: Any,
) -> None:
    # No broker: deliveries wait in the database; a job runs at once, as a worker would run it.
    monkeypatch.setattr("siaga.notifications.actions.dispatch", lambda delivery_ids: None)
    monkeypatch.setattr("siaga.jobs.actions.dispatch", lambda job_id: run_job.apply(args=(job_id,)))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    lead, member = personas.cert_lead, personas.coord_member
    world = qw.build_world(lead, leave_submitted_to=qw.HARAPAN)
    for person in (lead, member, world.admins[qw.HARAPAN]):
        give_authenticator(person)
    labels = {}
    for language in ("en", "id"):
        with translation.override(language):
            labels[language] = world.period.label()  # "Quarter IV 2026" / "Triwulan IV 2026"

    hospital_submits(chromium, live_server, world)
    sign_in_with_authenticator(page, lead, PASSWORD)
    lead_accepts(page, world)
    report = lead_generates(page, labels["en"])
    lead_writes_and_publishes(page, report)

    reader = new_page(chromium, live_server)
    try:
        sign_in_with_authenticator(reader, member, PASSWORD)
        reader.goto("/sector-reports/")
        reader.get_by_role("link", name=labels["en"]).click()
        expect(key_figure(reader, "Incidents in the period")).to_have_text(str(qw.EXPECTED_TOTAL))
        expect(key_figure(reader, "Previous period")).to_have_text(str(qw.EXPECTED_PREVIOUS))
        expect(key_figure(reader, "Change")).to_have_text("+4 (+200.0 %)")
        member_reads(reader, "en")

        reader.get_by_role("link", name="Bahasa Indonesia").click()
        article = reader.locator("article.sector-report")
        expect(article).to_have_attribute("lang", "id")
        for heading in ("Ringkasan", "Insiden", "Penilaian"):
            expect(article.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(key_figure(reader, "Insiden dalam periode")).to_have_text(str(qw.EXPECTED_TOTAL))
        expect(key_figure(reader, "Perubahan")).to_have_text("+4 (+200,0 %)")
        member_reads(reader, "id")
        member_downloads_pdf(reader, labels["id"])
    finally:
        reader.context.close()
