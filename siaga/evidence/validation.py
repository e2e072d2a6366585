"""Checks on an evidence file before it enters the vault.

Evidence is hostile by nature (malware samples, phishing mails, packet captures), so the rules are
about keeping the platform and the analysts safe, not about refusing unusual files:

- the size is limited (``SIAGA_EVIDENCE_MAX_MB``);
- the uploader's file name is kept for display only; the name offered on download is sanitised;
- the real type is sniffed from the first bytes; a declared type (browser content type or file-name
  extension) that contradicts it is recorded and flagged, never trusted;
- archives are inspected in memory, without extracting anything to disk: ZIP entry names that
  escape the folder, links, too many entries, or an expansion far beyond the upload's size (an
  archive bomb) are refused — unless the uploader marks the file as a sealed malware sample, which
  is then stored and flagged. Every file is always served as an opaque attachment.

Every problem is reported as ``UploadRefused`` (a Django ``ValidationError`` on the ``file``
field); nothing else escapes, whatever the bytes (property-tested in ``tests/test_validation*``).
"""

from __future__ import annotations

import gzip
import io
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from siaga.evidence.choices import EvidenceFlag

SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 150
MAX_ORIGINAL_NAME_LENGTH = 255
MAX_DECLARED_TYPE_LENGTH = 100
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_UNCOMPRESSED = 1024**3  # what an analyst's disk should have to unpack a sample: 1 GiB
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024  # small, very compressible files (logs, blank pages) are common
READ_SIZE = 64 * 1024
INSPECTED_ZIP_METHODS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
UNKNOWN_TYPE = "application/octet-stream"
NO_CLAIM_TYPES = {"", UNKNOWN_TYPE, "binary/octet-stream", "application/unknown"}


class UploadRefused(ValidationError):
    """The file cannot be accepted; the message says why (shown on the ``file`` field)."""

    def __init__(self, message: Any) -> None:
        super().__init__({"file": [ValidationError(message)]})


# --- File names ---------------------------------------------------------------------------------

_UNSAFE_CHARACTERS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_DOTS = re.compile(r"\.{2,}")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}


def _drop_invisible(text: str) -> str:
    # Control and format characters: NUL, newlines, and the right-to-left override that makes
    # "invoice‮fdp.exe" read as "invoiceexe.pdf".
    return "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})


def sanitize_filename(name: str) -> str:
    """A name safe to offer on download: one path component, printable, no leading dot, short."""
    # NFKC first, so that look-alikes (fullwidth solidus, one-dot leaders) become what they mimic
    # and are removed with the real thing.
    text = _drop_invisible(unicodedata.normalize("NFKC", str(name)))
    text = re.split(r"[/\\]", text)[-1]
    text = _DOTS.sub(".", _UNSAFE_CHARACTERS.sub("_", text)).strip(" .")
    if text.split(".")[0].lower() in _WINDOWS_DEVICES:
        text = f"_{text}"
    return _shorten(text) or "evidence"


def _shorten(name: str) -> str:
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:MAX_NAME_LENGTH].rstrip(" .")
    return stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension


def displayable(text: str, limit: int) -> str:
    """Text from the outside made storable and printable (no NUL, no control characters)."""
    cleaned = _drop_invisible(str(text).encode("utf-8", "replace").decode("utf-8"))
    return cleaned[:limit]


# --- Content sniffing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    """A kind of file recognised by its first bytes, and the declared types that agree with it."""

    mime: str
    extensions: frozenset[str]
    accepts: frozenset[str]
    executable: bool = False
    archive: str = ""  # "zip" or "gzip": inspected; "other": not inspected
    text: bool = False

    def agrees_with(self, declared: str) -> bool:
        return declared in self.accepts or (self.text and declared.startswith("text/"))


def _type(
    mime: str,
    extensions: str,
    accepts: str = "",
    *,
    executable: bool = False,
    archive: str = "",
    text: bool = False,
) -> FileType:
    return FileType(
        mime=mime,
        extensions=frozenset(extensions.split()),
        accepts=frozenset({mime, *accepts.split()}),
        executable=executable,
        archive=archive,
        text=text,
    )


PDF = _type("application/pdf", "pdf", "application/x-pdf")
PNG = _type("image/png", "png")
JPEG = _type("image/jpeg", "jpg jpeg jpe jfif", "image/pjpeg")
GIF = _type("image/gif", "gif")
ZIP = _type(
    "application/zip",
    "zip docx xlsx pptx docm xlsm pptm odt ods odp jar apk epub xpi",
    "application/x-zip-compressed application/x-zip application/java-archive "
    "application/vnd.android.package-archive application/epub+zip "
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document "
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
    "application/vnd.openxmlformats-officedocument.presentationml.presentation "
    "application/vnd.ms-word.document.macroenabled.12 application/vnd.ms-excel.sheet.macroenabled.12 "
    "application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet",
    archive="zip",
)
SEVEN_ZIP = _type("application/x-7z-compressed", "7z", archive="other")
GZIP = _type("application/gzip", "gz tgz", "application/x-gzip application/x-tar", archive="gzip")
RAR = _type(
    "application/vnd.rar", "rar", "application/x-rar-compressed application/x-rar", archive="other"
)
OLE = _type(
    "application/x-ole-storage",
    "doc xls ppt msg msi",
    "application/msword application/vnd.ms-excel application/vnd.ms-powerpoint "
    "application/vnd.ms-outlook application/x-msi application/x-msdownload",
)
PCAP = _type("application/vnd.tcpdump.pcap", "pcap cap", "application/x-pcap")
PCAPNG = _type("application/x-pcapng", "pcapng", "application/vnd.tcpdump.pcap")
EVTX = _type("application/x-ms-evtx", "evtx")
ELF = _type(
    "application/x-executable",
    "elf so o",
    "application/x-elf application/x-sharedlib",
    executable=True,
)
PE = _type(
    "application/vnd.microsoft.portable-executable",
    "exe dll sys scr cpl ocx com efi",
    "application/x-msdownload application/x-dosexec application/x-msdos-program "
    "application/x-executable",
    executable=True,
)
MACHO = _type(
    "application/x-mach-binary", "dylib macho", "application/x-executable", executable=True
)
EML = _type("message/rfc822", "eml msg mht", "application/mbox", text=True)
JSON = _type("application/json", "json jsonl ndjson geojson", "application/x-ndjson", text=True)
CSV = _type("text/csv", "csv tsv", "application/csv application/vnd.ms-excel", text=True)
TEXT = _type(
    "text/plain",
    "txt log text md ini conf cfg xml html htm yaml yml ioc rules yar sh ps1 bat vbs js py",
    "application/xml application/javascript application/x-sh application/yaml",
    text=True,
)
EMPTY = _type("application/x-empty", "")
UNKNOWN = _type(UNKNOWN_TYPE, "")

ALL_TYPES = (
    PDF,
    PNG,
    JPEG,
    GIF,
    ZIP,
    SEVEN_ZIP,
    GZIP,
    RAR,
    OLE,
    PCAP,
    PCAPNG,
    EVTX,
    ELF,
    PE,
    MACHO,
    EML,
    JSON,
    CSV,
    TEXT,
)

_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")

# (test on the first bytes, type): the first match wins.
SIGNATURES: list[tuple[Callable[[bytes], bool], FileType]] = [
    (lambda h: h.startswith(b"%PDF-"), PDF),
    (lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"), PNG),
    (lambda h: h.startswith(b"\xff\xd8\xff"), JPEG),
    (lambda h: h[:6] in (b"GIF87a", b"GIF89a"), GIF),
    (lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"), ZIP),
    (lambda h: h.startswith(b"7z\xbc\xaf\x27\x1c"), SEVEN_ZIP),
    (lambda h: h.startswith(b"\x1f\x8b"), GZIP),
    (lambda h: h.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")), RAR),
    (lambda h: h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), OLE),
    (lambda h: h[:4] in _PCAP_MAGICS, PCAP),
    (lambda h: h.startswith(b"\x0a\x0d\x0d\x0a"), PCAPNG),
    (lambda h: h.startswith(b"ElfFile\x00"), EVTX),
    (lambda h: h.startswith(b"\x7fELF"), ELF),
    (lambda h: h.startswith(b"MZ"), PE),
    (lambda h: h[:4] in _MACHO_MAGICS, MACHO),
    # 0xCAFEBABE is also a Java class file; a fat Mach-O lists few architectures, a class file has
    # a large version number there.
    (
        lambda h: (
            h.startswith(b"\xca\xfe\xba\xbe") and len(h) >= 8 and 0 < int.from_bytes(h[4:8]) < 30
        ),
        MACHO,
    ),
]

_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13, 27} | {127}
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_MAIL_HEADERS = {
    "received",
    "return-path",
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "delivered-to",
    "reply-to",
    "content-type",
    "dkim-signature",
    "authentication-results",
    "x-mailer",
}


def _decode_text(head: bytes) -> str | None:
    """The head as text if it looks like text (UTF-8, UTF-16 with BOM, or a single-byte code)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if b"\x00" in head:
        return None
    controls = sum(1 for byte in head if byte in _TEXT_CONTROLS)
    if controls > len(head) // 50:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the sniffing window
            return head[: exc.start].decode("utf-8", errors="replace")
        return head.decode("latin-1")


def _looks_like_mail(lines: list[str]) -> bool:
    header_lines = [line for line in lines[:20] if _HEADER_LINE.match(line)]
    names = {line.split(":", 1)[0].lower() for line in header_lines}
    return (
        bool(lines) and _HEADER_LINE.match(lines[0]) is not None and len(names & _MAIL_HEADERS) >= 2
    )


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return (
        len(stripped) >= 2
        and stripped[0] in "{["
        and stripped[1:].lstrip()[:1] in set('"{[]}-0123456789tfn')
    )


def _looks_like_csv(lines: list[str]) -> bool:
    sample = [line for line in lines[:6] if line.strip()]
    if len(sample) < 2:
        return False
    return any(
        sample[0].count(delimiter) >= 1
        and all(line.count(delimiter) == sample[0].count(delimiter) for line in sample)
        for delimiter in (",", ";", "\t", "|")
    )


def _sniff_text(head: bytes, whole: bool) -> FileType:
    text = _decode_text(head)
    if text is None:
        return UNKNOWN
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sniffing window
    if _looks_like_mail(lines):
        return EML
    if _looks_like_json(text):
        return JSON
    if _looks_like_csv(lines):
        return CSV
    return TEXT


def sniff(head: bytes, whole: bool = False) -> FileType:
    """The type of a file from its first bytes (``whole``: these are all its bytes)."""
    if not head:
        return EMPTY
    for test, file_type in SIGNATURES:
        if test(head):
            return file_type
    return _sniff_text(head, whole)


def _claimed_type_of_extension(name: str) -> FileType | None:
    _stem, dot, extension = name.rpartition(".")
    if not dot:
        return None
    extension = extension.lower()
    return next((t for t in ALL_TYPES if extension in t.extensions), None)


def _normalise_declared(content_type: str) -> str:
    return displayable(content_type.split(";", 1)[0].strip().lower(), MAX_DECLARED_TYPE_LENGTH)


def _agrees(sniffed: FileType, declared_type: str) -> bool:
    if sniffed.agrees_with(declared_type):
        return True
    # Text is text: a CSV sent as text/plain or a log sent as JSON is no disguise.
    return sniffed.text and any(t.text and t.agrees_with(declared_type) for t in ALL_TYPES)


def _extension_agrees(sniffed: FileType, safe_name: str) -> bool:
    by_name = _claimed_type_of_extension(safe_name)
    if by_name is None or (sniffed.text and by_name.text):
        return True
    return safe_name.rpartition(".")[2].lower() in sniffed.extensions


def contradicts(sniffed: FileType, declared_type: str, safe_name: str) -> bool:
    """Whether the declared content type or the name's extension claims another known type."""
    if sniffed is EMPTY:
        return False
    if not _extension_agrees(sniffed, safe_name):
        return True
    if declared_type in NO_CLAIM_TYPES:
        return False
    known = any(t.agrees_with(declared_type) for t in ALL_TYPES)
    return known and not _agrees(sniffed, declared_type)


# --- Archives -----------------------------------------------------------------------------------


@dataclass
class ArchiveReport:
    """What inspecting an archive found: reasons to refuse it, and flags to record."""

    refusals: list[tuple[str, str]] = field(default_factory=list)  # (flag, message)
    flags: set[str] = field(default_factory=set)
    refined_mime: str = ""

    def refuse(self, flag: str, message: object) -> None:
        self.refusals.append((flag, str(message)))


def _is_unsafe_path(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
        or "\x00" in name
    )


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _ooxml_type(names: set[str]) -> str:
    if "[Content_Types].xml" not in names:
        return ""
    for prefix, mime in (
        ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ):
        if any(name.startswith(prefix) for name in names):
            return mime
    return ""


def _expansion_limit(compressed_size: int) -> int:
    return min(
        MAX_ARCHIVE_UNCOMPRESSED, max(RATIO_CHECK_FROM, compressed_size * MAX_COMPRESSION_RATIO)
    )


def _check_zip_entries(infos: list[zipfile.ZipInfo], report: ArchiveReport, size: int) -> None:
    for info in infos:
        if _is_unsafe_path(info.filename):
            report.refuse(
                EvidenceFlag.ARCHIVE_UNSAFE_PATHS,
                _("The archive holds an entry whose path leaves its folder: %(name)s")
                % {"name": displayable(info.filename, 80)},
            )
            return
        if _is_link(info):
            report.refuse(
                EvidenceFlag.ARCHIVE_UNSAFE_PATHS,
                _("The archive holds a symbolic link: %(name)s")
                % {"name": displayable(info.filename, 80)},
            )
            return
    declared = sum(info.file_size for info in infos)
    if declared > _expansion_limit(size):
        report.refuse(
            EvidenceFlag.ARCHIVE_BOMB,
            _("The archive would expand to %(size)s bytes, far more than its own size.")
            % {"size": declared},
        )


def _expand_zip_entries(archive: zipfile.ZipFile, report: ArchiveReport, size: int) -> None:
    """Decompress every entry in memory, counting: a header can lie about sizes, the data cannot."""
    limit, total = _expansion_limit(size), 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            report.flags.add(EvidenceFlag.ARCHIVE_ENCRYPTED)  # "infected"-style sample exchange
            continue
        if info.compress_type not in INSPECTED_ZIP_METHODS:
            report.flags.add(EvidenceFlag.ARCHIVE_NOT_INSPECTED)
            continue
        with archive.open(info) as entry:
            while chunk := entry.read(READ_SIZE):
                total += len(chunk)
                if total > limit:
                    report.refuse(
                        EvidenceFlag.ARCHIVE_BOMB,
                        _("The archive expands to far more than its own size."),
                    )
                    return


def inspect_zip(stream: BinaryIO, size: int) -> ArchiveReport:
    report = ArchiveReport()
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_ENTRIES:
                report.refuse(
                    EvidenceFlag.ARCHIVE_BOMB,
                    _("The archive holds %(count)s entries; at most %(max)s are accepted.")
                    % {"count": len(infos), "max": MAX_ARCHIVE_ENTRIES},
                )
                return report
            _check_zip_entries(infos, report, size)
            if not report.refusals:
                _expand_zip_entries(archive, report, size)
            report.refined_mime = _ooxml_type({info.filename for info in infos})
    except Exception:
        # zipfile meets hostile input with a dozen exception types (BadZipFile, EOFError,
        # struct.error, ValueError, NotImplementedError, UnicodeDecodeError, …): any of them
        # means the archive cannot be inspected.
        report.refusals.clear()
        report.refuse(
            EvidenceFlag.ARCHIVE_DAMAGED, _("The archive is damaged and cannot be inspected.")
        )
    return report


def inspect_gzip(stream: BinaryIO, size: int) -> ArchiveReport:
    """Decompress the whole stream in memory, chunk by chunk, stopping at the expansion limit."""
    report = ArchiveReport()
    limit, total = _expansion_limit(size), 0
    stream.seek(0)
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as expanded:
            while chunk := expanded.read(READ_SIZE):
                total += len(chunk)
                if total > limit:
                    report.refuse(
                        EvidenceFlag.ARCHIVE_BOMB,
                        _("The archive expands to far more than its own size."),
                    )
                    break
    except Exception:
        # gzip and zlib raise OSError, EOFError or zlib.error on damaged or truncated data.
        report.refuse(
            EvidenceFlag.ARCHIVE_DAMAGED, _("The archive is damaged and cannot be inspected.")
        )
    return report


def inspect_archive(file_type: FileType, stream: BinaryIO, size: int) -> ArchiveReport:
    if file_type.archive == "zip":
        return inspect_zip(stream, size)
    if file_type.archive == "gzip":
        return inspect_gzip(stream, size)
    report = ArchiveReport()
    if file_type.archive:
        report.flags.add(EvidenceFlag.ARCHIVE_NOT_INSPECTED)
    return report


# --- The whole check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted file's facts, ready to be stored with the evidence."""

    original_name: str
    safe_name: str
    size: int
    declared_type: str
    sniffed_type: str
    flags: list[str]


def max_upload_bytes() -> int:
    return int(settings.SIAGA_EVIDENCE_MAX_MB) * 1024 * 1024


def size_of(stream: BinaryIO) -> int:
    try:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
    except (OSError, ValueError, AttributeError) as exc:
        raise UploadRefused(_("The file could not be read.")) from exc
    return int(size)


def _check_size(size: int) -> None:
    if size == 0:
        raise UploadRefused(_("The file is empty."))
    if size > max_upload_bytes():
        raise UploadRefused(
            _("The file is larger than %(max)s MB.") % {"max": settings.SIAGA_EVIDENCE_MAX_MB}
        )


def _archive_flags(report: ArchiveReport, sealed: bool) -> set[str]:
    if report.refusals and not sealed:
        messages = [message for _flag, message in report.refusals]
        messages.append(
            str(_("If this is a malware sample, mark it as kept sealed to store it anyway."))
        )
        raise UploadRefused(" ".join(messages))
    return report.flags | {flag for flag, _message in report.refusals}


def check_upload(
    stream: BinaryIO, *, name: str, declared_type: str = "", sealed: bool = False
) -> CheckedUpload:
    """Check a file (a seekable binary stream); returns its facts, or raises UploadRefused.

    The stream is left at its start, ready to be stored.
    """
    size = size_of(stream)
    _check_size(size)
    head = stream.read(SNIFF_BYTES)
    file_type = sniff(head, whole=size <= len(head))
    safe_name = sanitize_filename(name)
    declared = _normalise_declared(declared_type or "")
    flags: set[str] = set()
    if contradicts(file_type, declared, safe_name):
        flags.add(EvidenceFlag.TYPE_MISMATCH)
    if file_type.executable:
        flags.add(EvidenceFlag.EXECUTABLE)
    report = inspect_archive(file_type, stream, size)
    flags |= _archive_flags(report, sealed)
    if sealed:
        flags.add(EvidenceFlag.ARCHIVE_SEALED)
    stream.seek(0)
    return CheckedUpload(
        original_name=displayable(name, MAX_ORIGINAL_NAME_LENGTH) or safe_name,
        safe_name=safe_name,
        size=size,
        declared_type=declared,
        sniffed_type=report.refined_mime or file_type.mime,
        flags=sorted(str(flag) for flag in flags),
    )
