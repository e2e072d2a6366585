"""IMAP: report files sent as mail attachments (Shadowserver's daily reports by e-mail, a partner's
weekly list) taken from a mailbox on the feed's schedule.

Each run logs in (TLS, or plain only to the hosts ``SIAGA_WEBHOOK_HTTP_HOSTS`` allows), opens the
feed's folder and reads the unseen messages with ``BODY.PEEK[]``, which leaves them unseen. Every
attachment whose name matches the feed's pattern (unpacked when gzip'd or zipped, see
``attachments``) is received as a report under its own name, and only once all of a message's files
are stored is the message marked ``\\Seen``: a run that dies in between reads it again next time,
and receiving is idempotent by SHA-256, so nothing is stored twice.

A message with no file the feed takes is marked seen and counted as skipped. A file refused for
good (not a report the parser knows, too large, a broken archive, unreadable MIME) is named in the
feed's last error and its message marked seen, since reading it again would not help; a failure
that may pass (the disk, the database) leaves the message unseen for the next run.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from siaga.core.imap import close_quietly, peek_message, quoted_folder, unseen_uids
from siaga.feeds.actions import do_receive_report, validate_mail_server
from siaga.feeds.choices import ReportSource
from siaga.feeds.collectors.attachments import (
    attachments,
    copy_chunks,
    name_patterns,
    report_files,
)
from siaga.feeds.collectors.base import Collected, describe, record_problems, recorded
from siaga.feeds.models import Feed

log = logging.getLogger(__name__)

IMAP_TIMEOUT_SECONDS = 60.0  # per socket operation: a server that stops answering ends the run
MESSAGES_PER_RUN = 200  # the rest wait for the next run, so one run stays short


class MailboxError(Exception):
    """The server refused something the run needs (the login, the folder)."""


def collect_imap_feed(feed: Feed) -> Collected:
    """Receive the report files in the feed's unseen messages; raises (and records on the feed)
    when the mailbox cannot be read at all."""
    collected = Collected(received=[])
    with recorded(feed):
        validate_mail_server(feed.mail_host, use_tls=feed.mail_use_tls)
        client = _connect(feed)
        try:
            _open_folder(client, feed)
            for uid in unseen_uids(client)[:MESSAGES_PER_RUN]:
                _collect_message(client, feed, uid, collected)
        finally:
            close_quietly(client)
    record_problems(feed, collected)
    return collected


def _connect(feed: Feed) -> imaplib.IMAP4:
    if feed.mail_use_tls:
        return imaplib.IMAP4_SSL(
            feed.mail_host,
            feed.mail_port,
            ssl_context=_tls_context(feed.verify_tls),
            timeout=IMAP_TIMEOUT_SECONDS,
        )
    return imaplib.IMAP4(feed.mail_host, feed.mail_port, timeout=IMAP_TIMEOUT_SECONDS)


def _tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:  # the operator's choice for a server with its own certificate authority
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _open_folder(client: imaplib.IMAP4, feed: Feed) -> None:
    try:
        client.login(feed.username, feed.plain_secret)
    except imaplib.IMAP4.error as exc:
        raise MailboxError(
            _("The IMAP server refused the login: %(answer)s") % {"answer": _text(exc)}
        ) from None
    status, _data = client.select(quoted_folder(feed.mail_folder or "INBOX"))
    if status != "OK":
        raise MailboxError(
            _("The IMAP server cannot open the folder %(folder)s.") % {"folder": feed.mail_folder}
        )


def _text(exc: Exception) -> str:
    """imaplib's errors carry the server's answer as bytes."""
    answer = exc.args[0] if exc.args else ""
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _collect_message(client: imaplib.IMAP4, feed: Feed, uid: str, collected: Collected) -> None:
    raw = peek_message(client, uid)
    if raw is None:
        collected.failed += 1  # left unseen: the next run asks again
        collected.problems.append(_("Message %(uid)s: the server did not send it.") % {"uid": uid})
        return
    try:
        taken = _receive_files(feed, uid, raw, collected)
    except Exception as exc:
        # Not a refusal of the file but a failure that may pass (disk, database): the message
        # stays unseen and the next run reads it again; what was stored is not stored twice.
        log.exception("feed %s: IMAP message %s left for the next run", feed.pk, uid)
        collected.failed += 1
        collected.problems.append(
            _("Message %(uid)s: %(error)s (tried again on the next run)")
            % {"uid": uid, "error": describe(exc)}
        )
        return
    if not taken:
        collected.skipped += 1
    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def _receive_files(feed: Feed, uid: str, raw: bytes, collected: Collected) -> int:
    """Receive the message's report files; the number it had (stored or refused for good)."""
    patterns = name_patterns(feed.attachment_pattern)
    taken = 0
    for attachment in attachments(raw):
        if isinstance(attachment, ValidationError):
            _refused(collected, uid, attachment)
            taken += 1
            continue
        try:
            for found in report_files(attachment, patterns):
                taken += 1
                _receive(feed, uid, found.name, found.content, collected)
        except ValidationError as exc:  # the archive itself cannot be unpacked
            _refused(collected, uid, exc)
            taken += 1
    return taken


def _receive(feed: Feed, uid: str, name: str, content: IO[bytes], collected: Collected) -> None:
    try:
        report, created = do_receive_report(
            feed, copy_chunks(content), name, source=ReportSource.IMAP
        )
    except ValidationError as exc:  # refused for good: not a report of this feed, too large
        _refused(collected, uid, exc, name=name)
        return
    collected.add(report, created)


def _refused(collected: Collected, uid: str, exc: ValidationError, *, name: str = "") -> None:
    collected.failed += 1
    where = _("Message %(uid)s") % {"uid": uid}
    if name:
        where = f"{where}, {name}"
    collected.problems.append(f"{where}: {describe(exc)}")
