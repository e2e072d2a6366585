"""Turn one e-mail (the raw bytes of an .eml file) into the parts of an incident report.

Reports reach the CERT from hospitals' mail systems, phones and, sometimes, malware: the parser
must accept anything and never raise anything but ``MailRejected``. Python's e-mail package is
lenient and repairs what it can; what it cannot decode (an unknown charset, a broken header) is
read with replacement characters rather than refused, because a report with a few garbled
characters is still a report. Nothing here touches the database: ``siaga.integrations.mailintake
.intake`` stores the result, and keeps the raw message as evidence whatever happens.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

MAX_SUBJECT = 300
MAX_BODY = 200_000  # characters kept from the body; the full message stays in the raw .eml
MAX_ATTACHMENTS = 50
MAX_HEADER = 2_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")


class MailRejected(Exception):
    """The message cannot be taken in at all (empty, too large, not an e-mail)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    """What a report needs from an e-mail; ``problems`` lists what had to be repaired or skipped."""

    sha256: str
    size: int
    sender_email: str
    sender_name: str
    subject: str
    body: str
    sent_at: datetime | None
    message_id: str
    language_hint: str
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The JSON kept with the report: headers and what was done, not the content again."""
        return {
            "sha256": self.sha256,
            "size": self.size,
            "from": self.sender_email,
            "from_name": self.sender_name,
            "subject": self.subject,
            "message_id": self.message_id,
            "date": self.sent_at.isoformat() if self.sent_at else None,
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": len(a.content)}
                for a in self.attachments
            ],
            "problems": list(self.problems),
        }


def parse_mail(raw: bytes, *, max_bytes: int) -> ParsedMail:
    """Parse one message. Raises ``MailRejected`` only when there is nothing to take in."""
    if not raw.strip():
        raise MailRejected("The message is empty.")
    if len(raw) > max_bytes:
        raise MailRejected(f"The message is larger than {max_bytes} bytes.")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this is a safety net, not a code path
        raise MailRejected(f"The message cannot be parsed: {exc}") from exc
    if not _looks_like_mail(message):
        raise MailRejected("This is not an e-mail message (no From, Subject or Date header).")
    problems: list[str] = list(_defects_of(message))
    sender_name, sender_email = _sender(message, problems)
    return ParsedMail(
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        sender_email=sender_email,
        sender_name=sender_name,
        subject=_clean_line(_header(message, "subject", problems))[:MAX_SUBJECT],
        body=_body(message, problems),
        sent_at=_date(message, problems),
        message_id=_clean_line(_header(message, "message-id", problems))[:MAX_HEADER],
        language_hint=_language(message, problems),
        attachments=_attachments(message, problems),
        problems=problems,
    )


def _looks_like_mail(message: Message) -> bool:
    return any(name in message for name in ("from", "subject", "date"))


def _defects_of(message: Message) -> list[str]:
    found = {type(defect).__name__ for part in message.walk() for defect in part.defects}
    return [f"repaired: {name}" for name in sorted(found)]


def _header(message: Message, name: str, problems: list[str]) -> str:
    """A header as text; a header that cannot be decoded is read raw with a note."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)[:MAX_HEADER]
    except Exception:  # a broken encoded-word or a defective address list
        problems.append(f"header {name!r} could not be decoded")
        raw = next((v for k, v in message.raw_items() if k.lower() == name), "")
        return str(raw)[:MAX_HEADER]


def _sender(message: Message, problems: list[str]) -> tuple[str, str]:
    # From, not Reply-To: the sender is matched to a known contact, and Reply-To is whatever the
    # writer typed. Neither is proof of identity; the analyst sees the full headers.
    for header in ("from", "sender"):
        text = _header(message, header, problems)
        if not text:
            continue
        addresses = [(name, addr) for name, addr in getaddresses([text]) if "@" in addr]
        if addresses:
            name, address = addresses[0]
            return _clean_line(name)[:200], address.strip().lower()[:254]
    problems.append("no sender address")
    return "", ""


def _date(message: Message, problems: list[str]) -> datetime | None:
    text = _header(message, "date", problems)
    if not text:
        return None
    try:
        sent = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append("the Date header could not be read")
        return None
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def _language(message: Message, problems: list[str]) -> str:
    declared = _header(message, "content-language", problems).lower()
    return "en" if declared.startswith("en") else "id" if declared.startswith("id") else ""


def _body(message: Message, problems: list[str]) -> str:
    part = _body_part(message)
    if part is None:
        problems.append("no text body")
        return ""
    text = _text_of(part, problems)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if len(text) > MAX_BODY:
        problems.append(f"body cut to {MAX_BODY} characters (the full message is kept)")
        text = text[:MAX_BODY]
    return text


def _body_part(message: Message) -> Message | None:
    if isinstance(message, EmailMessage):
        try:
            found = message.get_body(preferencelist=("plain", "html"))
        except Exception:  # a malformed multipart structure
            found = None
        if found is not None:
            return found
    for part in message.walk():
        if part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
            return part
    return None


def _text_of(part: Message, problems: list[str]) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, AttributeError, KeyError):
        problems.append("the body's character set is unknown; read as UTF-8 with replacements")
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    return str(part.get_payload() or "")


def _attachments(message: Message, problems: list[str]) -> list[Attachment]:
    found: list[Attachment] = []
    for index, part in enumerate(message.walk()):
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            continue
        if not _is_attachment(part, message):
            continue
        if len(found) == MAX_ATTACHMENTS:
            problems.append(
                f"more than {MAX_ATTACHMENTS} attachments: the rest is only in the raw message"
            )
            break
        content = _payload_bytes(part, problems)
        filename = _attachment_name(part, index, problems)
        found.append(Attachment(filename, part.get_content_type(), content))
    return found


def _is_attachment(part: Message, message: Message) -> bool:
    if part is message:
        return False
    if part.get_content_type() == "message/rfc822":
        return True
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return True
    # An inline part with a file name (a pasted screenshot) is evidence too; the text body is not.
    return bool(_raw_filename(part)) and part.get_content_maintype() != "text"


def _raw_filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return ""


def _attachment_name(part: Message, index: int, problems: list[str]) -> str:
    name = _clean_line(_raw_filename(part))
    if name:
        return name[:255]
    extension = ".eml" if part.get_content_type() == "message/rfc822" else ".bin"
    return f"attachment-{index}{extension}"


def _payload_bytes(part: Message, problems: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes()
            except Exception:
                problems.append("an attached message could not be re-encoded")
                return b""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    problems.append("an attachment could not be decoded and was kept as text")
    return str(part.get_payload() or "").encode("utf-8", errors="replace")


def _clean_line(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


class _TextExtractor(HTMLParser):
    """Visible text of an HTML mail: scripts and styles dropped, blocks kept as lines."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    with contextlib.suppress(Exception):  # HTMLParser is lenient; keep whatever it read
        extractor.feed(html)
        extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).split("\n"))
    return "\n".join(lines)
