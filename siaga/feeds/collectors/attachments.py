"""The report files in an e-mail: its attachments whose names the feed takes, unpacked.

Shadowserver and other senders attach a report as it is (``…-scan_ftp.csv``), gzip'd
(``….csv.gz``) or zipped (``….zip``). A gzip or zip attachment is unpacked to its inner file(s),
which are the reports; everything else is received as attached. Unpacking is bounded: an inner file
larger than the report limit (``max_report_bytes``) is refused before it fills the disk (a zip
bomb), as is an archive of more than ``MAX_ZIP_MEMBERS`` files, an encrypted one, or one inside
another (received as it is, not unpacked further).

Mail from outside is untrusted: a part that cannot be read is a ``ValidationError`` naming it,
never an unhandled exception.
"""

from __future__ import annotations

import email
import gzip
import io
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from fnmatch import fnmatchcase
from typing import IO, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from siaga.feeds.actions import max_report_bytes, report_store

MAX_ZIP_MEMBERS = 20  # a report archive holds one file, or a handful; more is not a report
UNPACK_BLOCK = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Attachment:
    name: str
    payload: bytes


@dataclass
class ReportFile:
    """A file to receive as a report: its name and an open binary file positioned at the start."""

    name: str
    content: IO[bytes]


def attachments(raw: bytes) -> Iterator[Attachment | ValidationError]:
    """Every part of the message that has a file name; a part that cannot be read comes out as a
    ``ValidationError`` in its place, so one bad part does not hide the others."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        parts = list(message.walk())
    except Exception as exc:  # the stdlib parser fails in many untyped ways
        yield ValidationError(_("The message cannot be read as MIME (%(error)s).") % {"error": exc})
        return
    for number, part in enumerate(parts, start=1):
        if part.is_multipart():
            continue
        try:
            found = _attachment(part)
        except Exception as exc:  # malformed headers, bad encodings
            yield ValidationError(
                _("Part %(number)d cannot be read (%(error)s).") % {"number": number, "error": exc}
            )
            continue
        if found is not None:
            yield found


def _attachment(part: Message) -> Attachment | None:
    name = safe_name(part.get_filename() or "")
    if not name:
        return None  # the body, or an inline part without a name: not a report
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    return Attachment(name, payload)


def safe_name(name: str) -> str:
    """The last part of a name a sender chose, without folders or control characters."""
    name = _UNSAFE_NAME.sub("", str(name)).replace("\\", "/")
    return os.path.basename(name).strip()[:255]


def name_patterns(text: str) -> list[str]:
    """The feed's attachment patterns: comma-separated shell patterns; none means every file."""
    patterns = [pattern.strip().lower() for pattern in text.split(",") if pattern.strip()]
    return patterns or ["*"]


def name_matches(name: str, patterns: list[str]) -> bool:
    lowered = name.lower()
    return any(fnmatchcase(lowered, pattern) for pattern in patterns)


def report_files(attachment: Attachment, patterns: list[str]) -> Iterator[ReportFile]:
    """The report files in an attachment the feed takes: unpacked when it is gzip'd or zipped.

    An archive is taken when its own name or its inner file's name matches (``*.csv`` takes
    ``report.csv.gz``). Raises ``ValidationError`` for an archive that cannot or may not be
    unpacked."""
    lowered = attachment.name.lower()
    if lowered.endswith(".gz"):
        inner = attachment.name[:-3] or attachment.name
        if name_matches(attachment.name, patterns) or name_matches(inner, patterns):
            yield ReportFile(inner, _gunzipped(attachment))
    elif lowered.endswith(".zip"):
        yield from _zip_members(attachment, patterns)
    elif name_matches(attachment.name, patterns):
        yield ReportFile(attachment.name, io.BytesIO(attachment.payload))


def _gunzipped(attachment: Attachment) -> IO[bytes]:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(attachment.payload)) as packed:
            return _bounded_copy(packed, attachment.name)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationError(
            _("%(name)s is not a readable gzip file (%(error)s).")
            % {"name": attachment.name, "error": exc}
        ) from None


def _zip_members(attachment: Attachment, patterns: list[str]) -> Iterator[ReportFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(attachment.payload))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValidationError(
            _("%(name)s is not a readable zip file (%(error)s).")
            % {"name": attachment.name, "error": exc}
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError(
            _("%(name)s holds %(count)d files; at most %(most)d are unpacked.")
            % {"name": attachment.name, "count": len(members), "most": MAX_ZIP_MEMBERS}
        )
    whole = name_matches(attachment.name, patterns)
    for info in members:
        inner = safe_name(info.filename)
        if inner and (whole or name_matches(inner, patterns)):
            yield ReportFile(inner, _unzipped(archive, info, attachment.name))


def _unzipped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_name: str) -> IO[bytes]:
    label = f"{archive_name}/{info.filename}"
    if info.flag_bits & 0x1:
        raise ValidationError(_("%(name)s is encrypted.") % {"name": label})
    if info.file_size > max_report_bytes():
        raise ValidationError(_too_large(label))  # the declared size already says so
    try:
        with archive.open(info) as packed:
            return _bounded_copy(packed, label)  # counts too: the declared size may lie
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise ValidationError(
            _("%(name)s cannot be unpacked (%(error)s).") % {"name": label, "error": exc}
        ) from None


def _bounded_copy(source: Readable, label: str) -> IO[bytes]:
    """Unpack into a temporary file beside the report store, refusing more than the report limit.

    Unpacking here (not while the report is stored) keeps a broken archive a clear refusal rather
    than an error half-way through storing it."""
    limit = max_report_bytes()
    store = report_store()
    store.mkdir(parents=True, exist_ok=True)
    target = tempfile.TemporaryFile(dir=store, prefix=".unpacked-")  # noqa: SIM115 (returned)
    try:
        size = 0
        while block := source.read(UNPACK_BLOCK):
            size += len(block)
            if size > limit:
                raise ValidationError(_too_large(label))
            target.write(block)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def _too_large(label: str) -> str:
    megabytes = max_report_bytes() // 2**20
    return _("%(name)s unpacks to more than %(limit)d MB: refused.") % {
        "name": label,
        "limit": megabytes,
    }


def copy_chunks(content: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes block by block, closing it at the end."""
    with content:
        while block := content.read(UNPACK_BLOCK):
            yield block
