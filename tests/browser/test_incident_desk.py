"""The incident desk end to end: a hospital reports ransomware on the web and by e-mail, the CERT
triages both into one incident, works the case, drafts the legal notices, shares a comment with
the hospital, and an SLA breach reaches the assignee's mailbox through a real SMTP exchange.

One journey, as people would do it, in one test: each step needs what the one before made.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from siaga.constituents.choices import ContactRole, NotificationKind
from siaga.constituents.models import ConstituentProfile, Contact
from siaga.core.testing import PASSWORD
from siaga.evidence.models import Evidence
from siaga.incidents.actions.deadlines import scan_deadlines
from siaga.incidents.choices import Channel, ReportStatus
from siaga.incidents.models import Incident, LegalClock, Observable, Report, Task
from siaga.incidents.playbooks import RANSOMWARE
from siaga.integrations.mailintake.collectors import prepare_drop_folder
from siaga.integrations.mailintake.tasks import collect_all
from siaga.notifications.choices import DeliveryStatus
from siaga.notifications.models import Delivery
from siaga.notifications.tasks import deliver_due_notifications
from tests.browser.helpers import sign_in, sign_in_with_authenticator
from tests.browser.smtp_sink import SmtpSink

WEB_TITLE = "Ransomware: SIMRS servers encrypted"
MAIL_SUBJECT = "Ransom note found on the radiology workstation"
ATTACHMENT_NAME = "RESTORE_MY_FILES.txt"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OBSERVABLES = ("203.0.113.45", "lockbit-c2.example.net", SHA256)
PERSONAL_DATA = "Medical records (diagnoses, lab results) of about 12,000 patients"
HANDLING = "Affected servers isolated; restoring SIMRS from offline backups"
SHARED_COMMENT = "Please keep the encrypted servers powered on; our team arrives at 14:00."
INTERNAL_COMMENT = "Internal: the initial access looks like the exposed VPN appliance."

PDP_LABEL = "Personal-data breach notice (3 x 24 hours)"
IIV_LABEL = "Vital-infrastructure incident report (1 x 24 hours)"


# --- Set-up ------------------------------------------------------------------------------------------


def make_hospital_vital_and_health_data(hospital: Any) -> Contact:
    """The hospital's profile says IIV and health data; its DPO wants the legal notices."""
    ConstituentProfile.objects.create(
        organization=hospital,
        province="31",
        city="Jakarta Pusat",
        is_vital_infrastructure=True,
        holds_personal_health_data=True,
        health_records_estimate=250_000,
    )
    return Contact.objects.create(
        organization=hospital,
        name="Dr. Sari Wulandari",
        role=ContactRole.DATA_PROTECTION_OFFICER,
        email="dpo@hospital.test",
        phone="+62 21 555 0100",
        notification_kinds=[NotificationKind.LEGAL_NOTICES, NotificationKind.INCIDENTS],
    )


def give_authenticator(user: Any) -> None:
    TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})


def report_email(sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Hospital Reporter <{sender}>"
    message["To"] = "lapor@cert.test"
    message["Subject"] = MAIL_SUBJECT
    message["Message-ID"] = "<ransom-2@hospital.test>"
    message.set_content(
        "Another workstation (radiology) shows the same ransom note. The note is attached.\n"
    )
    message.add_attachment(
        b"YOUR FILES ARE ENCRYPTED. Contact us at lockbit-c2.example.net to restore them.\n",
        maintype="text",
        subtype="plain",
        filename=ATTACHMENT_NAME,
    )
    return message.as_bytes()


def drop_in_intake_folder(raw: bytes) -> None:
    """As a mail server's delivery agent does: written aside first, then moved into new/."""
    root = Path(django_settings.SIAGA_MAIL_INTAKE_DIR)
    prepare_drop_folder(root)
    aside = root / ".ransom-2.eml.part"  # same file system as new/: the rename is atomic
    aside.write_bytes(raw)
    aside.rename(root / "new" / "ransom-2.eml")


def local_input_time(moment: Any, zone: str) -> str:
    """The value a datetime-local input takes, as the user reads the time in their zone."""
    return timezone.localtime(moment, ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


# --- The journey ---------------------------------------------------------------------------------------


def file_web_report(page: Any, reporter: Any) -> Report:
    sign_in(page, reporter.email, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.goto("/incidents/reports/")
    page.get_by_role("link", name="Report an incident").click()
    expect(page.locator("h1")).to_have_text("Report an incident")
    page.get_by_label("Title").fill(WEB_TITLE)
    page.get_by_label("Description").fill(
        "All SIMRS application servers show a ransom note; registration runs on paper."
    )
    discovered = timezone.now() - timedelta(hours=2)
    page.get_by_label("Discovered").fill(local_input_time(discovered, reporter.time_zone))
    page.get_by_label("Personal data involved").select_option("yes")
    page.get_by_label("Affected systems").fill("SIMRS application servers, file server")
    page.get_by_role("button", name="Send report").click()

    # The reporter is shown the tracking id, on the report's own page.
    expect(page.locator("ul.messages")).to_contain_text("Report received. Its tracking id is")
    report = Report.objects.get(title=WEB_TITLE)
    assert report.channel == Channel.WEB
    assert report.personal_data_involved == "yes"
    assert report.discovered_at is not None
    expect(page.locator("ul.messages")).to_contain_text(
        f"Report received. Its tracking id is {report.tracking_id}."
    )
    expect(page.locator("h1")).to_contain_text(report.tracking_id)
    return report


def receive_mail_report(reporter: Any, hospital: Any) -> Report:
    drop_in_intake_folder(report_email(reporter.email))
    result = collect_all()  # what the beat task does every minute
    assert result["folder"]["rejected"] == [] and result["folder"]["failed"] == [], result
    (tracking_id,) = result["folder"]["filed"]
    report = Report.objects.get(tracking_id=tracking_id)
    assert report.channel == Channel.EMAIL
    assert report.reporter == reporter
    assert report.organization == hospital
    names = set(Evidence.objects.filter(report=report).values_list("safe_name", flat=True))
    assert {ATTACHMENT_NAME, "original.eml"} <= names, names
    return report


def triage_both_reports(page: Any, analyst: Any, web: Report, mail: Report) -> Incident:
    sign_in_with_authenticator(page, analyst, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.goto("/incidents/reports/")
    expect(page.locator("h1")).to_have_text("Triage queue")
    queue = page.locator("table")
    expect(queue.get_by_role("row", name=re.compile(re.escape(web.tracking_id)))).to_contain_text(
        "Web form"
    )
    mail_row = queue.get_by_role("row", name=re.compile(re.escape(mail.tracking_id)))
    expect(mail_row).to_contain_text("E-mail")
    expect(mail_row).to_contain_text(MAIL_SUBJECT)

    # The web report becomes a new incident.
    page.get_by_role("link", name=web.tracking_id).click()
    expect(page.locator("h1")).to_contain_text(web.tracking_id)
    page.get_by_label("Open a new incident").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    web.refresh_from_db()
    assert web.status == ReportStatus.TRIAGED and web.incident_id is not None
    incident = Incident.objects.get(pk=web.incident_id)
    expect(page.locator("h1")).to_contain_text(incident.reference)

    # The e-mail report, with its attachment as evidence, joins the same incident.
    page.goto("/incidents/reports/")
    page.get_by_role("link", name=mail.tracking_id).click()
    evidence = page.locator("section", has=page.locator("#evidence-heading"))
    expect(evidence.get_by_role("link", name=ATTACHMENT_NAME)).to_be_visible()
    expect(evidence.get_by_role("link", name="original.eml")).to_be_visible()
    page.get_by_label("Attach to an existing incident").check()
    page.get_by_role("combobox", name=re.compile(r"^Incident\b")).select_option(str(incident.pk))
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    reports = page.locator("section", has=page.locator("#reports-heading"))
    expect(reports).to_contain_text(web.tracking_id)
    expect(reports).to_contain_text(mail.tracking_id)
    mail.refresh_from_db()
    assert mail.incident_id == incident.pk and mail.status == ReportStatus.TRIAGED
    return incident


def classify_and_describe(page: Any, incident: Incident, hospital: Any) -> None:
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"Edit {incident.reference}")
    page.get_by_label("RSIT class").select_option("malicious-code")
    page.get_by_label("RSIT type").select_option("infected-system")
    page.get_by_label("Ransomware", exact=True).check()
    page.get_by_label("Patient safety impact").select_option("3")  # high
    page.get_by_label("Service disruption impact").select_option("3")  # high
    page.get_by_label("Affected constituents").select_option(str(hospital.pk))
    expect(page.get_by_label("Personal data involved")).to_be_checked()  # from the report
    page.get_by_label("Personal data exposed").fill(PERSONAL_DATA)
    page.get_by_label("Handling and recovery efforts").fill(HANDLING)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    summary = page.locator("section", has=page.locator("#summary-heading"))
    expect(summary).to_contain_text("P1")
    expect(summary).to_contain_text("Malicious code / Infected system")
    expect(summary).to_contain_text("Ransomware")
    expect(summary).to_contain_text(hospital.name)
    incident.refresh_from_db()
    assert incident.priority in ("P1", "P2")
    assert incident.personal_data_involved


def assign_to(page: Any, analyst: Any) -> None:
    assignment = page.locator("section", has=page.locator("#assign-heading"))
    assignment.get_by_role("combobox", name=re.compile(r"^Assignee")).select_option(str(analyst.pk))
    assignment.get_by_role("button", name="Assign").click()
    expect(page.locator("section", has=page.locator("#summary-heading"))).to_contain_text(
        analyst.full_name
    )


def apply_ransomware_playbook(page: Any, analyst: Any, incident: Incident) -> None:
    tasks = page.locator("section", has=page.locator("#tasks-heading"))
    expect(tasks).to_contain_text("No tasks yet.")
    tasks.get_by_role("combobox", name=re.compile(r"^Playbook")).select_option("ransomware")
    tasks.get_by_role("button", name="Apply playbook").click()
    tasks = page.locator("section", has=page.locator("#tasks-heading"))
    # The tasks are written in the language of the analyst who applies the playbook (their
    # profile's), which may differ from the language this page is read in.
    with translation.override(analyst.language):
        titles = [str(task.title) for task in RANSOMWARE.tasks]
    for title in titles:
        expect(tasks).to_contain_text(title)
    assert Task.objects.filter(incident=incident, playbook="ransomware").count() == len(titles)


def record_observables(page: Any, incident: Incident) -> None:
    section = page.locator("section", has=page.locator("#observables-heading"))
    section.get_by_role("textbox", name=re.compile(r"^Values, one per line")).fill(
        "\n".join(OBSERVABLES)
    )
    section.get_by_role("button", name="Add values").click()
    section = page.locator("section", has=page.locator("#observables-heading"))
    for value in OBSERVABLES:
        expect(section.locator("td.mono", has_text=value)).to_be_visible()
    stored = set(Observable.objects.filter(incident=incident).values_list("value", flat=True))
    assert set(OBSERVABLES) <= stored, stored


def upload_evidence(page: Any, incident: Incident) -> None:
    evidence = page.locator("section", has=page.locator("#evidence-heading"))
    evidence.get_by_role("link", name="Add evidence").click()
    expect(page.locator("h1")).to_have_text("Add evidence")
    page.get_by_label("File").set_input_files(
        files=[
            {
                "name": "firewall-excerpt.log",
                "mimeType": "text/plain",
                "buffer": b"2026-03-02 01:13:07 ALLOW 203.0.113.45:443 -> 10.1.2.3:51515\n",
            }
        ]
    )
    page.get_by_label("Description").fill("Firewall log excerpt showing the C2 traffic")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("main")).to_contain_text("firewall-excerpt.log")
    assert Evidence.objects.filter(incident=incident, safe_name="firewall-excerpt.log").exists()
    page.goto(f"/incidents/{incident.pk}/")
    evidence = page.locator("section", has=page.locator("#evidence-heading"))
    expect(evidence.get_by_role("link", name="firewall-excerpt.log")).to_be_visible()


def add_comments(page: Any) -> None:
    comments = page.locator("section", has=page.locator("#comments-heading"))
    comments.get_by_role("textbox", name=re.compile(r"^Comment")).fill(SHARED_COMMENT)
    comments.get_by_role("combobox", name=re.compile(r"^Visibility")).select_option("shared")
    comments.get_by_role("button", name="Add comment").click()
    comments = page.locator("section", has=page.locator("#comments-heading"))
    expect(comments).to_contain_text(SHARED_COMMENT)

    comments.get_by_role("textbox", name=re.compile(r"^Comment")).fill(INTERNAL_COMMENT)
    comments.get_by_role("combobox", name=re.compile(r"^Visibility")).select_option("internal")
    comments.get_by_role("button", name="Add comment").click()
    comments = page.locator("section", has=page.locator("#comments-heading"))
    expect(comments).to_contain_text(INTERNAL_COMMENT)


def check_clocks_running(page: Any, incident: Incident) -> None:
    kinds = set(LegalClock.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == {"pdp_notice", "iiv_report"}, kinds

    clocks = page.locator("#legal-clocks")
    for label in (PDP_LABEL, IIV_LABEL):
        row = clocks.get_by_role("row", name=re.compile(re.escape(label)))
        expect(row).to_contain_text("Running")

    page.goto("/incidents/clocks/")
    expect(page.locator("h1")).to_have_text("Open legal deadlines")
    for label in (PDP_LABEL, IIV_LABEL):
        row = page.get_by_role("row", name=re.compile(re.escape(label)))
        expect(row).to_contain_text(incident.reference)
        expect(row).not_to_contain_text("overdue")
    page.get_by_role("link", name=incident.reference).first.click()
    expect(page.locator("h1")).to_contain_text(incident.reference)


def check_notice_drafts_in_indonesian(page: Any, incident: Incident, hospital: Any) -> None:
    clocks = page.locator("#legal-clocks")
    row = clocks.get_by_role("row", name=re.compile(re.escape(PDP_LABEL)))
    row.get_by_role("link", name="Notice draft (Bahasa Indonesia)").click()
    body = page.locator("#notice-body")
    expect(body).to_contain_text("PEMBERITAHUAN TERTULIS KEGAGALAN PELINDUNGAN DATA PRIBADI")
    expect(body).to_contain_text("Data pribadi yang terungkap")
    expect(body).to_contain_text(PERSONAL_DATA)
    expect(body).to_contain_text("Upaya penanganan dan pemulihan")
    expect(body).to_contain_text(HANDLING)
    expect(body).to_contain_text(incident.reference)
    expect(body).to_contain_text(hospital.name)
    expect(body).to_contain_text("dpo@hospital.test")  # the contact for questions
    expect(body).not_to_contain_text("[")  # nothing left "[to be completed]" in any language
    expect(page.locator("[role=status].callout")).to_have_count(0)  # nothing missing

    page.goto(f"/incidents/{incident.pk}/")
    clocks = page.locator("#legal-clocks")
    row = clocks.get_by_role("row", name=re.compile(re.escape(IIV_LABEL)))
    row.get_by_role("link", name="Notice draft (Bahasa Indonesia)").click()
    body = page.locator("#notice-body")
    expect(body).to_contain_text("LAPORAN INSIDEN INFRASTRUKTUR INFORMASI VITAL")
    expect(body).to_contain_text("Kronologi")
    expect(body).to_contain_text("Dampak")
    text = body.inner_text()
    chronology = text.split("Kronologi", 1)[1].split("Dampak", 1)[0]
    impact = text.split("Dampak", 1)[1]
    assert re.search(r"^- \d{1,2} \w+ \d{4}, \d{2}:\d{2}: ", chronology, re.M), chronology
    assert "Tinggi" in impact, impact  # patient safety and service disruption: high
    assert "[" not in text, text
    expect(page.locator("[role=status].callout")).to_have_count(0)
    page.goto(f"/incidents/{incident.pk}/")


def reporter_sees_shared_comment_only(page: Any, reporter: Any, incident: Incident) -> None:
    page.context.clear_cookies(name="siaga_session")
    sign_in(page, reporter.email, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.goto("/incidents/")
    page.get_by_role("link", name=incident.reference).click()
    expect(page.locator("h1")).to_contain_text(incident.reference)
    comments = page.locator("section", has=page.locator("#comments-heading"))
    expect(comments).to_contain_text(SHARED_COMMENT)
    expect(page.locator("main")).not_to_contain_text(INTERNAL_COMMENT)
    expect(page.locator("#tasks-heading")).to_have_count(0)  # case tasks stay internal


def sla_breach_reaches_the_assignee(settings: Any, incident: Incident, analyst: Any) -> None:
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        # Four days after it was reported, the incident is still not resolved: the P1 target
        # (3 days) is breached.
        Incident.objects.filter(pk=incident.pk).update(
            reported_at=timezone.now() - timedelta(days=4)
        )
        result = scan_deadlines()
        assert result["sla_alerts"] >= 1, result
        breaches = list(
            Delivery.objects.filter(
                event_kind="sla_breach", object_id=str(incident.pk), channel="email"
            )
        )
        assert breaches, "the scan queued no sla_breach e-mail"
        # One per breached milestone, all to the assignee (not the leads: someone is assigned).
        assert {delivery.address for delivery in breaches} == {analyst.email}

        deliver_due_notifications()  # the beat task, in this process

        sink.wait_for(lambda m: m.header("X-Siaga-Event") == "sla_breach")
        received = [m for m in sink.messages if m.header("X-Siaga-Event") == "sla_breach"]
        assert len(received) == len(breaches)
        for mail in received:
            assert mail.rcpt_to == [analyst.email]
            assert incident.reference in mail.subject + mail.body
            assert f"/incidents/{incident.pk}/" in mail.body
        for delivery in breaches:
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.SENT, delivery.last_error


def test_a_hospital_reports_ransomware_and_the_cert_works_the_incident(
    page: Any, chromium: Any, personas: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    # A drop folder of this test's own: nothing another run left in new/ is taken in here.
    settings.SIAGA_MAIL_INTAKE_DIR = tmp_path / "intake"
    # No worker runs here: deliveries wait in the database for the beat task, as when the broker
    # is down, instead of leaving messages in the shared test broker for other tests' workers.
    monkeypatch.setattr("siaga.notifications.actions.dispatch", lambda delivery_ids: None)
    hospital = personas.orgs.hospital
    reporter, analyst = personas.constituent_reporter, personas.cert_analyst
    make_hospital_vital_and_health_data(hospital)
    give_authenticator(analyst)
    give_authenticator(personas.cert_lead)

    web = file_web_report(page, reporter)
    mail = receive_mail_report(reporter, hospital)

    page.context.clear_cookies(name="siaga_session")
    incident = triage_both_reports(page, analyst, web, mail)
    classify_and_describe(page, incident, hospital)
    assign_to(page, analyst)
    apply_ransomware_playbook(page, analyst, incident)
    record_observables(page, incident)
    upload_evidence(page, incident)
    add_comments(page)
    check_clocks_running(page, incident)
    check_notice_drafts_in_indonesian(page, incident, hospital)

    reporter_sees_shared_comment_only(page, reporter, incident)
    sla_breach_reaches_the_assignee(settings, incident, analyst)
