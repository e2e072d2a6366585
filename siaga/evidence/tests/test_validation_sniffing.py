"""Content sniffing by magic bytes, and declared types that contradict the content."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from siaga.evidence.tests.helpers import zip_bytes
from siaga.evidence.validation import UploadRefused, check_upload, sniff

MAIL = b"Received: from mx.example\r\nFrom: a@b.test\r\nTo: c@d.test\r\nSubject: hi\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"PK\x03\x04\x14\x00", "application/zip"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "application/x-7z-compressed"),
        (b"\x1f\x8b\x08\x00", "application/gzip"),
        (b"Rar!\x1a\x07\x01\x00", "application/vnd.rar"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "application/vnd.tcpdump.pcap"),
        (b"\x0a\x0d\x0d\x0a\x1c\x00", "application/x-pcapng"),
        (b"ElfFile\x00\x00", "application/x-ms-evtx"),
        (b"\x7fELF\x02\x01", "application/x-executable"),
        (b"MZ\x90\x00\x03", "application/vnd.microsoft.portable-executable"),
        (b"\xcf\xfa\xed\xfe\x07\x00", "application/x-mach-binary"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x02", "application/x-mach-binary"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x41", "application/octet-stream"),  # a Java class
        (MAIL, "message/rfc822"),
        (b'{"indicator": "1.2.3.4"}', "application/json"),
        (b"[section]\nkey=value\n", "text/plain"),
        (b"ip,port,seen\n1.2.3.4,443,2026\n5.6.7.8,80,2026\n", "text/csv"),
        (b"Laporan insiden: server SIMRS mati.\n", "text/plain"),
        (b"\x00\x01\x02\x03\xfe\xff", "application/octet-stream"),
    ],
)
def test_sniff(head: bytes, mime: str) -> None:
    assert sniff(head, whole=True).mime == mime


def _check(data: bytes, name: str, declared: str = "", sealed: bool = False) -> list[str]:
    return check_upload(io.BytesIO(data), name=name, declared_type=declared, sealed=sealed).flags


def test_matching_declaration_is_not_flagged() -> None:
    assert _check(b"%PDF-1.4 ...", "report.pdf", "application/pdf") == []
    assert _check(b"a,b\n1,2\n3,4\n", "data.csv", "application/vnd.ms-excel") == []
    assert _check(b"plain words", "notes.log", "text/plain; charset=utf-8") == []
    assert _check(b"plain words", "notes", "application/octet-stream") == []


def test_executable_disguised_as_pdf_is_flagged_not_refused() -> None:
    checked = check_upload(
        io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100),
        name="invoice.pdf",
        declared_type="application/pdf",
    )
    assert checked.sniffed_type == "application/vnd.microsoft.portable-executable"
    assert checked.declared_type == "application/pdf"
    assert checked.flags == ["executable", "type_mismatch"]


def test_extension_alone_can_contradict() -> None:
    assert _check(b"\x7fELF\x02\x01\x01", "photo.jpg") == ["executable", "type_mismatch"]
    assert _check(b"%PDF-1.4", "scan.png", "") == ["type_mismatch"]


def test_declared_type_alone_can_contradict() -> None:
    assert _check(b"GIF89a....", "picture", "image/png") == ["type_mismatch"]


def test_ooxml_is_recognised_inside_the_zip() -> None:
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    checked = check_upload(io.BytesIO(data), name="Laporan.docx", declared_type="")
    assert checked.sniffed_type.endswith("wordprocessingml.document")
    assert checked.flags == []


def test_empty_file_is_refused() -> None:
    with pytest.raises(UploadRefused, match="empty"):
        _check(b"", "empty.txt")


@override_settings(SIAGA_EVIDENCE_MAX_MB=1)
def test_size_limit() -> None:
    with pytest.raises(UploadRefused, match="larger than 1 MB"):
        _check(b"x" * (1024 * 1024 + 1), "big.txt")
    assert _check(b"x" * 1024 * 1024, "exactly.txt") == []


def test_stream_is_left_at_its_start() -> None:
    stream = io.BytesIO(zip_bytes({"a.txt": b"a"}))
    check_upload(stream, name="a.zip")
    assert stream.tell() == 0


def test_unseekable_stream_is_refused() -> None:
    class Pipe(io.RawIOBase):
        def seekable(self) -> bool:
            return False

        def seek(self, *args: object) -> int:
            raise OSError("not seekable")

    with pytest.raises(UploadRefused, match="could not be read"):
        check_upload(Pipe(), name="x")  # type: ignore[arg-type]


def test_original_name_is_kept_for_display() -> None:
    checked = check_upload(io.BytesIO(b"text"), name="../../bad\x00name.txt")
    assert checked.original_name == "../../badname.txt"
    assert checked.safe_name == "badname.txt"
