"""E-mail intake files a report with its sender matched and every byte kept as evidence."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from siaga.constituents.models import Contact
from siaga.evidence.models import Evidence
from siaga.evidence.vault import open_decrypted
from siaga.incidents.choices import Channel
from siaga.incidents.models import Report
from siaga.integrations.mailintake.intake import take_in_mail
from siaga.integrations.mailintake.parser import MailRejected
from siaga.integrations.mailintake.tasks import collect_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def folders(settings: Any, tmp_path: Path) -> Path:
    settings.EVIDENCE_DIR = tmp_path / "vault"
    settings.SIAGA_MAIL_INTAKE_DIR = tmp_path / "intake"
    settings.SIAGA_IMAP_HOST = ""
    return tmp_path


def ransomware_mail(sender: str, *, attachments: list[tuple[str, bytes]] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = f"Pelapor <{sender}>"
    message["To"] = "csirt@siaga.example"
    message["Subject"] = "Ransomware di server SIMRS"
    message["Date"] = "Mon, 30 Nov 2026 08:15:00 +0700"
    message.set_content("Semua berkas di server SIMRS terenkripsi. Catatan tebusan terlampir.")
    for name, content in attachments:
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=name
        )
    return message.as_bytes()


def evidence_names(report: Report) -> list[str]:
    return sorted(Evidence.objects.filter(report=report).values_list("original_name", flat=True))


def plaintext(evidence: Evidence) -> bytes:
    return b"".join(open_decrypted(evidence.storage_id))


def test_a_users_mail_becomes_their_report_with_the_message_and_attachments_as_evidence(personas):
    reporter = personas.constituent_reporter
    raw = ransomware_mail(reporter.email, attachments=[("ransom-note.txt", b"Pay 5 BTC")])
    tracking_id = take_in_mail(raw, "file:a.eml")
    report = Report.objects.get(tracking_id=tracking_id)
    assert report.channel == Channel.EMAIL
    assert report.reporter == reporter
    assert report.organization == personas.orgs.hospital
    assert report.title == "Ransomware di server SIMRS"
    assert "terenkripsi" in report.description
    assert report.raw["email"]["from"] == reporter.email
    assert report.raw["sender_matched_by"] == "user"
    assert evidence_names(report) == ["original.eml", "ransom-note.txt"]
    original = Evidence.objects.get(report=report, original_name="original.eml")
    assert plaintext(original) == raw  # every byte as received
    assert original.sha256 == report.raw["email"]["sha256"]


def test_acknowledgement_goes_out_in_the_contacts_language(
    personas, django_capture_on_commit_callbacks
):
    Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Dr. Sari",
        role="security_officer",
        email="sari@hospital.example",
        language="en",
    )
    with django_capture_on_commit_callbacks(execute=True):
        tracking_id = take_in_mail(ransomware_mail("Sari@Hospital.example"), "imap:7")
    report = Report.objects.get(tracking_id=tracking_id)
    assert report.organization == personas.orgs.hospital
    assert report.reporter is None
    assert report.raw["sender_matched_by"] == "contact"
    assert report.language == "en"
    acknowledgement = mail.outbox[-1]
    assert acknowledgement.to == ["sari@hospital.example"]
    assert tracking_id in acknowledgement.subject + acknowledgement.body


def test_an_unknown_sender_files_a_report_without_an_organization(db):
    tracking_id = take_in_mail(ransomware_mail("someone@elsewhere.example"), "file:b.eml")
    report = Report.objects.get(tracking_id=tracking_id)
    assert report.organization is None and report.reporter is None
    assert report.reporter_email == "someone@elsewhere.example"
    assert report.raw["sender_matched_by"] == ""


def test_the_same_message_twice_is_one_report(db):
    raw = ransomware_mail("someone@elsewhere.example")
    first = take_in_mail(raw, "file:c.eml")
    second = take_in_mail(raw, "imap:9")
    assert first == second
    assert Report.objects.filter(channel=Channel.EMAIL).count() == 1


def zip_with(name: str, content: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def test_a_hostile_attachment_is_kept_sealed_and_an_empty_one_listed(db):
    raw = ransomware_mail(
        "someone@elsewhere.example",
        attachments=[("../../evil.zip", zip_with("../../etc/passwd")), ("empty.bin", b"")],
    )
    report = Report.objects.get(tracking_id=take_in_mail(raw, "file:d.eml"))
    sealed = Evidence.objects.get(report=report, original_name="../../evil.zip")
    assert "/" not in sealed.safe_name and not sealed.safe_name.startswith(".")
    assert "archive_sealed" in sealed.flags
    skipped = report.raw["attachments_not_kept"]
    assert [item["filename"] for item in skipped] == ["empty.bin"]
    assert skipped[0]["reason"]


def test_what_is_not_an_email_is_rejected_and_files_nothing(db):
    with pytest.raises(MailRejected):
        take_in_mail(b"\x00\x01binary junk", "file:e.eml")
    assert not Report.objects.exists()


def test_the_drop_folder_round_files_and_rejects(personas, folders):
    new = folders / "intake" / "new"
    new.mkdir(parents=True)
    (new / "1.eml").write_bytes(ransomware_mail(personas.constituent_reporter.email))
    (new / "2.eml").write_bytes(b"\x00 not mail")
    result = collect_all()
    assert len(result["folder"]["filed"]) == 1
    assert len(result["folder"]["rejected"]) == 1
    assert (
        Report.objects.get(tracking_id=result["folder"]["filed"][0]).reporter
        == personas.constituent_reporter
    )
    assert (folders / "intake" / "done" / "1.eml").exists()
    assert (folders / "intake" / "rejected" / "2.eml").exists()


def test_the_command_files_given_messages(db, tmp_path, capsys):
    path = tmp_path / "report.eml"
    path.write_bytes(ransomware_mail("someone@elsewhere.example"))
    call_command("intake_mail", str(path))
    out = capsys.readouterr().out
    tracking_id = out.split(": ")[1].strip()
    assert Report.objects.filter(tracking_id=tracking_id).exists()


def test_a_failing_evidence_store_files_nothing(db, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("siaga.integrations.mailintake.intake.do_add_evidence_from_bytes", broken)
    with pytest.raises(OSError, match="disk full"):
        take_in_mail(ransomware_mail("someone@elsewhere.example"), "file:f.eml")
    assert not Report.objects.exists()  # the collector keeps the file and tries again later
