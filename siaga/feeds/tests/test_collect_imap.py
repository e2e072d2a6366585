"""The IMAP collector against the in-memory IMAP server of the mail-intake tests: attachments
received as reports, archives unpacked (and zip bombs refused), messages marked seen only once their
files are stored, bad MIME, TLS, timeouts, and the feed's configuration."""

from __future__ import annotations

import datetime
import gzip
import io
import ipaddress
import json
import socket
import ssl
import threading
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from siaga.core.testing import api_client_for, login
from siaga.feeds import actions, collectors
from siaga.feeds.choices import CollectorKind, ParserKind, ReportSource
from siaga.feeds.collectors import attachments, imap
from siaga.feeds.models import Feed, FeedReport
from siaga.integrations.mailintake.tests import imap_server
from siaga.integrations.mailintake.tests.imap_server import PASSWORD, USER, ImapTestServer

pytestmark = pytest.mark.django_db

SCHEMA = {
    "scan_example": {
        "feed_name": "Open-Example",
        "file_name": "scan_example",
        "constant_fields": {"classification.taxonomy": "vulnerable"},
        "required_fields": [["source.ip", "ip", "validate_ip"]],
        "optional_fields": [],
    }
}
REPORT = b"ip\n192.0.2.1\n192.0.2.2\n"
NAME = "2026-11-29-scan_example-id-geo.csv"


@pytest.fixture(autouse=True)
def report_store(settings: Any, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    settings.SIAGA_SHADOWSERVER_SCHEMA = str(schema)
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]


def mail(*files: tuple[str, bytes], subject: str = "Shadowserver report") -> bytes:
    message = EmailMessage()
    message["From"] = "autoreports@shadowserver.example"
    message["To"] = USER
    message["Subject"] = subject
    message.set_content("Attached: your daily report.")
    for name, content in files:
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=name
        )
    return message.as_bytes()


def gzipped(content: bytes) -> bytes:
    return gzip.compress(content)


def zipped(*files: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def imap_feed(port: int, **extra: Any) -> Feed:
    secret = extra.pop("secret", PASSWORD)
    values = {
        "name": "Shadowserver by mail",
        "parser": ParserKind.SHADOWSERVER,
        "collector": CollectorKind.IMAP,
        "mail_host": "127.0.0.1",
        "mail_port": port,
        "mail_use_tls": False,
        "username": USER,
        "attachment_pattern": "*.csv",
    }
    values.update(extra)
    feed = Feed(**values)
    feed.set_secret(secret)
    feed.save()
    return feed


# --- Collecting -------------------------------------------------------------------------------------


def test_matching_attachments_become_reports_and_their_messages_are_marked_seen():
    messages = [
        mail((NAME, REPORT)),
        mail(subject="No attachment at all"),
        mail(("notes.txt", b"read me\n"), subject="An attachment the feed does not take"),
    ]
    with ImapTestServer(messages) as server:
        feed = imap_feed(server.port)
        collected = collectors.collect_imap_feed(feed)
        assert list(map(server.mailbox.seen, (1, 2, 3))) == [True, True, True]
    assert (len(collected.received), collected.skipped, collected.failed) == (1, 2, 0)
    report = collected.received[0]
    assert (report.file_name, report.source, report.report_type) == (
        NAME,
        ReportSource.IMAP,
        "scan_example",
    )
    assert actions.stored_path(report).read_bytes() == REPORT
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None and feed.last_error == ""


def test_names_match_without_regard_to_case_and_several_patterns_may_be_given():
    files = [("A-SCAN_EXAMPLE.CSV", REPORT), ("b-scan_example.json", REPORT + b"1\n")]
    with ImapTestServer([mail(*files)]) as server:
        collected = collectors.collect_imap_feed(
            imap_feed(server.port, attachment_pattern="*.csv, *.json")
        )
    assert sorted(r.file_name for r in collected.received) == [f[0] for f in files]


def test_gzipped_and_zipped_reports_are_unpacked_to_their_inner_file():
    inner_gz = REPORT + b"192.0.2.3\n"
    inner_zip = REPORT + b"192.0.2.4\n"
    message = mail(
        (f"{NAME}.gz", gzipped(inner_gz)),
        ("2026-11-30-report.zip", zipped(("2026-11-30-scan_example.csv", inner_zip))),
    )
    with ImapTestServer([message]) as server:
        collected = collectors.collect_imap_feed(imap_feed(server.port))
        assert server.mailbox.seen(1)
    stored = {r.file_name: actions.stored_path(r).read_bytes() for r in collected.received}
    assert stored == {NAME: inner_gz, "2026-11-30-scan_example.csv": inner_zip}


def test_a_zip_bomb_is_refused_and_named_on_the_feed(settings):
    settings.SIAGA_FEED_REPORT_MAX_MB = 1
    bomb = gzipped(b"0" * (3 * 1024 * 1024))  # a few kB that unpack to 3 MB
    assert len(bomb) < 10_000
    zip_bomb = zipped(("2026-11-30-scan_example.csv", b"1" * (2 * 1024 * 1024)))
    message = mail((f"{NAME}.gz", bomb), ("bomb.zip", zip_bomb), ("fine-scan_example.csv", REPORT))
    with ImapTestServer([message]) as server:
        feed = imap_feed(server.port)
        collected = collectors.collect_imap_feed(feed)
        assert server.mailbox.seen(1)  # refused for good: reading it again would not help
    assert [r.file_name for r in collected.received] == ["fine-scan_example.csv"]
    assert collected.failed == 2
    feed.refresh_from_db()
    assert feed.last_error.count("unpacks to more than 1 MB") == 2
    assert [p.name for p in Path(settings.SIAGA_FEED_REPORT_DIR).iterdir() if p.is_file()] == []


def test_broken_archives_and_unknown_report_names_are_refused_not_fatal():
    message = mail(
        ("broken-scan_example.csv.gz", b"not gzip at all"),
        ("broken.zip", b"PK\x03\x04 not really"),
        ("weekly-summary.csv", REPORT),  # names no Shadowserver report type
    )
    with ImapTestServer([message, mail((NAME, REPORT))]) as server:
        feed = imap_feed(server.port)
        collected = collectors.collect_imap_feed(feed)
        assert server.mailbox.seen(1) and server.mailbox.seen(2)
    assert ([r.file_name for r in collected.received], collected.failed) == ([NAME], 3)
    error = Feed.objects.get(pk=feed.pk).last_error
    assert "not a readable gzip file" in error and "not a readable zip file" in error
    assert "weekly-summary.csv is not a Shadowserver report type" in error


def test_the_same_file_in_two_messages_is_one_report():
    with ImapTestServer([mail((NAME, REPORT)), mail((NAME, REPORT))]) as server:
        collected = collectors.collect_imap_feed(imap_feed(server.port))
    assert (len(collected.received), collected.repeated) == (1, 1)
    assert FeedReport.objects.count() == 1


def test_a_message_is_read_again_when_its_files_could_not_all_be_stored(monkeypatch):
    second = "2026-11-30-scan_example.csv"
    real = imap.do_receive_report

    def disk_full_for_the_second(feed: Feed, chunks: Any, name: str, **kwargs: Any) -> Any:
        if name == second:
            raise OSError("No space left on device")
        return real(feed, chunks, name, **kwargs)

    message = mail((NAME, REPORT), (second, REPORT + b"192.0.2.9\n"))
    with ImapTestServer([message]) as server:
        feed = imap_feed(server.port)
        monkeypatch.setattr(imap, "do_receive_report", disk_full_for_the_second)
        first = collectors.collect_imap_feed(feed)
        assert not server.mailbox.seen(1)
        assert (len(first.received), first.failed) == (1, 1)
        assert "No space left" in Feed.objects.get(pk=feed.pk).last_error

        monkeypatch.setattr(imap, "do_receive_report", real)
        again = collectors.collect_imap_feed(feed)
        assert server.mailbox.seen(1)
    assert ([r.file_name for r in again.received], again.repeated) == ([second], 1)
    assert FeedReport.objects.count() == 2
    assert Feed.objects.get(pk=feed.pk).last_error == ""


def test_mail_that_is_not_mime_does_not_stop_the_run():
    garbage = b"\xff\xfe\x00 not a message \r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--"
    with ImapTestServer([garbage, mail((NAME, REPORT))]) as server:
        collected = collectors.collect_imap_feed(imap_feed(server.port))
        assert server.mailbox.seen(1) and server.mailbox.seen(2)
    assert [r.file_name for r in collected.received] == [NAME]


def test_a_refused_login_is_recorded_and_nothing_is_marked_seen():
    with ImapTestServer([mail((NAME, REPORT))]) as server:
        feed = imap_feed(server.port, secret="wrong")
        with pytest.raises(imap.MailboxError, match="AUTHENTICATIONFAILED"):
            collectors.collect_imap_feed(feed)
        assert not server.mailbox.seen(1)
    error = Feed.objects.get(pk=feed.pk).last_error
    assert "refused the login" in error and "b'" not in error and "wrong" not in error


def test_plain_imap_only_to_the_hosts_settings_allow(settings):
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = []
    with ImapTestServer([mail((NAME, REPORT))]) as server:
        feed = imap_feed(server.port)
        with pytest.raises(ValidationError):
            collectors.collect_imap_feed(feed)
        assert not server.mailbox.seen(1)
    assert "over TLS" in Feed.objects.get(pk=feed.pk).last_error


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield listener.getsockname()[1]
    listener.close()


def test_a_server_that_does_not_answer_times_out(monkeypatch, silent_server):
    monkeypatch.setattr(imap, "IMAP_TIMEOUT_SECONDS", 0.3)
    feed = imap_feed(silent_server)
    with pytest.raises(OSError, match="timed out"):
        collectors.collect_imap_feed(feed)
    assert "timed out" in Feed.objects.get(pk=feed.pk).last_error


# --- TLS --------------------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _TlsServer(imap_server._Server):
    context: ssl.SSLContext

    def get_request(self) -> Any:
        connection, address = super().get_request()
        return self.context.wrap_socket(connection, server_side=True), address


class TlsImapTestServer(ImapTestServer):
    """The same mailbox, spoken to over TLS with a self-signed certificate."""

    def __init__(self, messages: list[bytes], folder: Path) -> None:
        super().__init__(messages)
        self._server.server_close()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self_signed(folder))
        self._server = _TlsServer(("127.0.0.1", 0), imap_server._Handler)
        self._server.mailbox = self.mailbox
        self._server.context = context
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


def test_imap_over_tls_checks_the_certificate_unless_told_not_to(tmp_path):
    with TlsImapTestServer([mail((NAME, REPORT))], tmp_path) as server:
        verified = imap_feed(server.port, name="Verified", mail_use_tls=True)
        with pytest.raises(ssl.SSLError):
            collectors.collect_imap_feed(verified)
        assert "CERTIFICATE_VERIFY_FAILED" in Feed.objects.get(pk=verified.pk).last_error

        trusted = imap_feed(server.port, name="Own CA", mail_use_tls=True, verify_tls=False)
        collected = collectors.collect_imap_feed(trusted)
        assert server.mailbox.seen(1)
    assert [r.file_name for r in collected.received] == [NAME]


# --- Outside data never crashes the collector -----------------------------------------------------


@hypothesis_settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_any_bytes_are_attachments_or_clear_refusals(raw):
    for found in attachments.attachments(raw):
        assert isinstance(found, attachments.Attachment | ValidationError)


MIME_PIECES = st.sampled_from(
    [
        b"Content-Type: multipart/mixed; boundary=XX\r\n",
        b"Content-Disposition: attachment; filename*=utf-8''%FF%FE.csv\r\n",
        b'Content-Disposition: attachment; filename="=?utf-8?b?////?=.csv"\r\n',
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"\r\n",
        b"--XX\r\n",
        b"--XX--\r\n",
        b"=ZZ=\r\n",
        b"aXA=\r\n",
        b"\x00\xff",
    ]
)


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(MIME_PIECES, max_size=30))
def test_malformed_mime_is_attachments_or_clear_refusals(pieces):
    for found in attachments.attachments(b"".join(pieces)):
        assert isinstance(found, attachments.Attachment | ValidationError)


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.binary(max_size=500), suffix=st.sampled_from([".gz", ".zip", ".csv"]))
def test_any_attachment_unpacks_or_is_refused_clearly(payload, suffix):
    attachment = attachments.Attachment(f"report{suffix}", payload)
    try:
        files = list(attachments.report_files(attachment, ["*"]))
    except ValidationError:
        return
    for found in files:
        with found.content:
            assert isinstance(found.content.read(), bytes)


# --- Configuring ------------------------------------------------------------------------------------


def imap_body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "Shadowserver by mail",
        "parser": "shadowserver",
        "collector": "imap",
        "mail_host": "imap.rsud.example",
        "username": USER,
        "secret": PASSWORD,
        "attachment_pattern": "*.csv,*.csv.gz",
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mail_host": ""}, "mail_host"),
        ({"mail_host": "imaps://imap.rsud.example/"}, "mail_host"),
        ({"username": ""}, "username"),
        ({"secret": ""}, "secret"),
        ({"mail_use_tls": False}, "mail_host"),
        ({"mail_port": 0}, "mail_port"),
    ],
)
def test_an_imap_feed_needs_a_mailbox_it_may_read(personas, changes, field):
    admin = api_client_for(personas.cert_admin)
    response = admin.post("/api/v1/feeds", imap_body(**changes), content_type="application/json")
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Feed.objects.exists()


def test_an_imap_feed_is_created_without_showing_its_password(personas):
    admin = api_client_for(personas.cert_admin)
    response = admin.post("/api/v1/feeds", imap_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["mail_host"], body["mail_port"], body["mail_folder"], body["mail_use_tls"]) == (
        "imap.rsud.example",
        993,
        "INBOX",
        True,
    )
    assert body["has_secret"] is True and PASSWORD not in response.content.decode()
    plain = admin.patch(
        f"/api/v1/feeds/{body['id']}",
        {"mail_host": "127.0.0.1", "mail_use_tls": False, "mail_port": 143},
        content_type="application/json",
    )
    assert plain.status_code == 200, plain.content  # plain IMAP to a host settings allow


def test_the_feed_page_sets_up_a_mailbox_and_collects_it_on_request(client, personas):
    login(client, personas.cert_lead)
    form = {
        "name": "Shadowserver by mail",
        "parser": ParserKind.SHADOWSERVER,
        "collector": CollectorKind.IMAP,
        "mail_host": "imap.rsud.example",
        "mail_port": "993",
        "mail_folder": "Shadowserver",
        "mail_use_tls": "on",
        "username": USER,
        "secret": PASSWORD,
        "attachment_pattern": "*.csv",
        "verify_tls": "on",
        "fetch_every_minutes": "60",
        "is_active": "on",
    }
    created = client.post(reverse("feeds:feed-create"), form)
    assert created.status_code == 302, created.context["form"].errors
    feed = Feed.objects.get()
    assert (feed.mail_folder, feed.mail_use_tls, feed.plain_secret) == (
        "Shadowserver",
        True,
        PASSWORD,
    )

    Feed.objects.filter(pk=feed.pk).update(
        last_fetched_at="2026-11-30T08:00:00Z", last_error="The IMAP server refused the login"
    )
    page = client.get(reverse("feeds:feed-edit", args=[feed.pk])).content.decode()
    assert "The IMAP server refused the login" in page and "Save and collect now" in page
    assert PASSWORD not in page

    form.pop("secret")  # empty: the stored password stays
    client.post(reverse("feeds:feed-edit", args=[feed.pk]), {**form, "collect_now": "1"})
    feed.refresh_from_db()
    assert feed.last_fetched_at is None and feed.plain_secret == PASSWORD
    assert feed.fetch_is_due()


def test_fields_of_another_collector_keep_their_values(client, personas):
    feed = Feed.objects.create(name="Partner", parser=ParserKind.FEODO_CSV)
    login(client, personas.cert_lead)
    client.post(
        reverse("feeds:feed-edit", args=[feed.pk]),
        {
            "name": "Partner",
            "parser": ParserKind.FEODO_CSV,
            "collector": CollectorKind.UPLOAD,
            "fetch_every_minutes": "1440",
            "is_active": "on",
        },
    )
    feed.refresh_from_db()
    assert (feed.mail_use_tls, feed.attachment_pattern, feed.mapping) == (True, "*", {})
