"""The e-mail parser takes in whatever arrives and says what it repaired; it never crashes."""

from __future__ import annotations

import contextlib
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.integrations.mailintake.parser import MailRejected, html_to_text, parse_mail

LIMIT = 1_000_000


def message(**headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "Budi Santoso <budi@rsud.example>")
    mail["To"] = "csirt@siaga.example"
    mail["Subject"] = headers.pop("Subject", "Ransomware di SIMRS")
    mail["Date"] = headers.pop("Date", "Mon, 30 Nov 2026 08:15:00 +0700")
    mail["Message-ID"] = "<report-1@rsud.example>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    return mail


def test_reads_sender_subject_date_and_text_body():
    mail = message()
    mail.set_content("Server SIMRS terenkripsi pagi ini.\nCatatan tebusan ada di desktop.")
    mail["Content-Language"] = "id"  # after set_content, which clears content headers
    parsed = parse_mail(mail.as_bytes(), max_bytes=LIMIT)
    assert parsed.sender_email == "budi@rsud.example"
    assert parsed.sender_name == "Budi Santoso"
    assert parsed.subject == "Ransomware di SIMRS"
    assert parsed.sent_at is not None and parsed.sent_at.utcoffset().total_seconds() == 7 * 3600
    assert parsed.body.startswith("Server SIMRS terenkripsi")
    assert parsed.language_hint == "id"
    assert parsed.message_id == "<report-1@rsud.example>"
    assert parsed.problems == []


def test_encoded_subject_and_sender_are_decoded_and_lower_cased():
    mail = message(
        From="=?utf-8?q?Dr=2E_S=C3=BCsi?= <Susi@RSUD.Example>", Subject="=?utf-8?b?U2VyYW5nYW4=?="
    )
    mail.set_content("isi")
    parsed = parse_mail(mail.as_bytes(), max_bytes=LIMIT)
    assert parsed.sender_email == "susi@rsud.example"
    assert parsed.sender_name == "Dr. Süsi"
    assert parsed.subject == "Serangan"


def test_html_only_body_becomes_visible_text():
    mail = message()
    mail.set_content(
        "<html><head><style>p{}</style></head><body><p>Situs <b>diretas</b></p>"
        "<script>alert(1)</script><p>Lihat&nbsp;tangkapan layar</p></body></html>",
        subtype="html",
    )
    parsed = parse_mail(mail.as_bytes(), max_bytes=LIMIT)
    assert parsed.body == "Situs diretas\n\nLihat tangkapan layar"


def test_plain_text_is_preferred_over_html():
    mail = message()
    mail.set_content("the plain text")
    mail.add_alternative("<p>the html</p>", subtype="html")
    assert parse_mail(mail.as_bytes(), max_bytes=LIMIT).body == "the plain text"


def test_attachments_are_kept_with_their_raw_names_and_bytes():
    mail = message()
    mail.set_content("see attached")
    mail.add_attachment(b"%PDF-1.7 ...", maintype="application", subtype="pdf", filename="nota.pdf")
    mail.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="../../x.exe"
    )
    forwarded = message(Subject="phishing sample")
    forwarded.set_content("click here")
    mail.add_attachment(forwarded)
    parsed = parse_mail(mail.as_bytes(), max_bytes=LIMIT)
    names = [a.filename for a in parsed.attachments]
    assert names[:2] == ["nota.pdf", "../../x.exe"]  # cleaned later, by evidence validation
    assert parsed.attachments[0].content == b"%PDF-1.7 ..."
    assert parsed.attachments[1].content == b"MZ\x90\x00"
    assert parsed.attachments[2].content_type == "message/rfc822"
    assert parsed.attachments[2].filename.endswith(".eml")
    assert b"phishing sample" in parsed.attachments[2].content
    assert parsed.body == "see attached"


def test_unknown_charset_is_read_with_replacements_and_noted():
    raw = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=klingon-8\r\n\r\n"
        b"caf\xe9 terenkripsi\r\n"
    )
    parsed = parse_mail(raw, max_bytes=LIMIT)
    assert "terenkripsi" in parsed.body
    assert any("character set" in p for p in parsed.problems)


def test_bad_date_is_noted_not_fatal():
    raw = b"From: a@b.example\r\nDate: the day after tomorrow\r\nSubject: s\r\n\r\nbody"
    parsed = parse_mail(raw, max_bytes=LIMIT)
    assert parsed.sent_at is None
    assert "the Date header could not be read" in parsed.problems


def test_missing_sender_is_noted():
    parsed = parse_mail(b"Subject: anonymous tip\r\n\r\nbody", max_bytes=LIMIT)
    assert parsed.sender_email == ""
    assert "no sender address" in parsed.problems


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"", "empty"), (b"   \r\n", "empty"), (b"just some bytes\x00\x01", "not an e-mail")],
)
def test_nothing_to_take_in_is_rejected_with_a_reason(raw, reason):
    with pytest.raises(MailRejected, match=reason):
        parse_mail(raw, max_bytes=LIMIT)


def test_oversized_message_is_rejected():
    with pytest.raises(MailRejected, match="larger than 100 bytes"):
        parse_mail(b"From: a@b.example\r\n\r\n" + b"x" * 200, max_bytes=100)


def test_summary_records_what_was_received():
    mail = message()
    mail.set_content("x")
    mail.add_attachment(b"abc", maintype="text", subtype="csv", filename="iocs.csv")
    summary = parse_mail(mail.as_bytes(), max_bytes=LIMIT).summary()
    assert summary["from"] == "budi@rsud.example"
    assert summary["attachments"] == [
        {"filename": "iocs.csv", "content_type": "text/csv", "size": 3}
    ]
    assert len(summary["sha256"]) == 64


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<p>a<div>b</p><<>>c").replace("\n", " ").split() == ["a", "b", "<<>>c"]


HEADER_LINE = st.sampled_from(
    ["From", "Subject", "Date", "Content-Type", "Content-Disposition", "X"]
)


@st.composite
def hostile_mail(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_LINE, st.binary(max_size=80)), min_size=1, max_size=8))
    head = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    boundary = draw(st.sampled_from([b"", b'Content-Type: multipart/mixed; boundary="b"\r\n']))
    body = draw(st.binary(max_size=400))
    parts = draw(st.lists(st.tuples(st.binary(max_size=60), st.binary(max_size=120)), max_size=4))
    tail = b"".join(b"--b\r\n" + h + b"\r\n\r\n" + c + b"\r\n" for h, c in parts) + b"--b--\r\n"
    return head + boundary + b"\r\n" + body + (tail if boundary else b"")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_mail())
def test_hostile_input_is_parsed_or_rejected_but_never_crashes(raw):
    try:
        parsed = parse_mail(raw, max_bytes=LIMIT)
    except MailRejected:
        return
    assert len(parsed.subject) <= 300
    assert "\x00" not in parsed.body and "\x00" not in parsed.subject
    assert all(isinstance(a.content, bytes) for a in parsed.attachments)
    parsed.summary()  # JSON-ready whatever came in


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(raw):
    with contextlib.suppress(MailRejected):
        parse_mail(raw, max_bytes=LIMIT)
