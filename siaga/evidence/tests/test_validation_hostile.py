"""Malformed and hostile input: the checks answer with UploadRefused or a result, never a crash."""

from __future__ import annotations

import gzip
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.evidence.tests.helpers import zip_bytes
from siaga.evidence.validation import CheckedUpload, UploadRefused, check_upload

HOSTILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID_ZIP = zip_bytes(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document>" + b"text " * 200 + b"</w:document>",
        "docProps/core.xml": b"<core/>",
    }
)
VALID_GZIP = gzip.compress(b"2026-01-01 sshd failed password for root\n" * 200)
MAGICS = [b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"\x1f\x8b\x08", b"%PDF-", b"MZ", b"\x7fELF"]


def _survives(
    data: bytes, name: str = "upload.bin", declared: str = "", sealed: bool = False
) -> None:
    refusal: UploadRefused | None = None
    try:
        result = check_upload(io.BytesIO(data), name=name, declared_type=declared, sealed=sealed)
    except UploadRefused as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.message_dict["file"]
    else:
        assert isinstance(result, CheckedUpload)
        assert result.size == len(data)


@HOSTILE
@given(st.binary(max_size=4096), st.text(max_size=300), st.text(max_size=200), st.booleans())
def test_random_bytes_names_and_types(data: bytes, name: str, declared: str, sealed: bool) -> None:
    _survives(data, name, declared, sealed)


@HOSTILE
@given(st.sampled_from(MAGICS), st.binary(max_size=2048))
def test_random_bytes_behind_archive_magic(magic: bytes, rest: bytes) -> None:
    _survives(magic + rest)


@HOSTILE
@given(st.integers(min_value=1, max_value=len(VALID_ZIP)))
def test_truncated_zips(cut: int) -> None:
    _survives(VALID_ZIP[:cut], "doc.docx")


@HOSTILE
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID_ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_corrupted_zips(changes: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_ZIP)
    for offset, value in changes:
        data[offset] = value
    _survives(bytes(data), "doc.docx")


@HOSTILE
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=40), st.integers(0, 0xFFFF), st.integers(0, 2**32 - 1)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_crafted_zip_headers(entries: list[tuple[str, int, int]]) -> None:
    """Entries with any names, flag bits and attributes; then sizes in the headers overwritten."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, flags, attributes) in enumerate(entries):
            info = zipfile.ZipInfo(f"{index}-{name}")
            info.flag_bits = flags & ~0x08 & ~0x800  # data descriptors and UTF-8 set by zipfile
            info.external_attr = attributes
            info.compress_type = zipfile.ZIP_DEFLATED
            try:
                archive.writestr(info, b"payload " * 20)
            except (ValueError, zipfile.BadZipFile, NotImplementedError, UnicodeEncodeError):
                return  # zipfile would not write it; nothing to test
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    if central >= 0:
        data[central + 24 : central + 28] = (2**32 - 2).to_bytes(4, "little")  # uncompressed size
    _survives(bytes(data), "crafted.zip")


@HOSTILE
@given(st.integers(min_value=1, max_value=len(VALID_GZIP)), st.binary(max_size=64))
def test_truncated_and_extended_gzips(cut: int, tail: bytes) -> None:
    _survives(VALID_GZIP[:cut] + tail, "log.gz")
