"""A minimal SMTP server on 127.0.0.1 that keeps every message it receives, for tests.

Python 3.12 has no ``smtpd`` and ``aiosmtpd`` is not a dependency: this speaks just enough of
RFC 5321 for Django's SMTP backend (EHLO/HELO, MAIL FROM, RCPT TO, DATA ending with
``<CRLF>.<CRLF>``, RSET, NOOP, QUIT). No TLS and no authentication are offered, so a client that
insists on either fails loudly instead of sending anywhere else.

    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        ...
        sink.wait_for(lambda m: "breach" in m.subject)
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

LINE_LIMIT = 64 * 1024  # longer than any line a well-behaved client sends (RFC 5321: 1000)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def header(self, name: str) -> str:
        return str(self.message[name] or "")


@dataclass
class _Transaction:
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)


def _address_of(argument: str) -> str:
    """``FROM:<a@b> SIZE=12`` -> ``a@b``."""
    _, _, rest = argument.partition(":")
    rest = rest.strip()
    if rest.startswith("<"):
        return rest[1 : rest.find(">")] if ">" in rest else rest[1:]
    return rest.split(" ", 1)[0]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 10  # a stuck client does not keep a thread forever

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def read_line(self) -> bytes | None:
        line = self.rfile.readline(LINE_LIMIT)
        return line or None

    def handle(self) -> None:
        self.reply("220 127.0.0.1 Siaga test SMTP sink ready")
        current = _Transaction()
        while (line := self.read_line()) is not None:
            verb, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-127.0.0.1 greets you")
                self.reply("250-8BITMIME")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                current = _Transaction(mail_from=_address_of(argument))
                self.reply("250 OK")
            elif verb == "RCPT":
                current.rcpt_to.append(_address_of(argument))
                self.reply("250 OK")
            elif verb == "DATA":
                if not current.rcpt_to:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if data is None:
                    return
                self.server.store(ReceivedMail(current.mail_from, current.rcpt_to, data))
                current = _Transaction()
                self.reply("250 OK: queued")
            elif verb == "RSET":
                current = _Transaction()
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes | None:
        lines: list[bytes] = []
        while (line := self.read_line()) is not None:
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            # Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the client.
            lines.append(line[1:] if line.startswith(b"..") else line)
        return None  # the client went away in the middle of the message


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)  # port 0: the system picks a free one
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()

    def store(self, mail: ReceivedMail) -> None:
        with self.lock:
            self.messages.append(mail)


class SmtpSink:
    """The server, run in a thread for the duration of a ``with`` block."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._server.lock:
            return list(self._server.messages)

    def mailer(self) -> dict[str, Any]:
        """A ``settings.MAILERS`` entry that sends here."""
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
        }

    def wait_for(
        self, matches: Callable[[ReceivedMail], bool], timeout: float = 10
    ) -> ReceivedMail:
        deadline = time.monotonic() + timeout
        while True:
            found = [mail for mail in self.messages if matches(mail)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                subjects = [mail.subject for mail in self.messages]
                raise AssertionError(f"no matching message within {timeout} s; got {subjects}")
            time.sleep(0.05)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
