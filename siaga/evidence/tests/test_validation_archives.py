"""Archives are inspected in memory: unsafe ones are refused unless kept sealed as a sample."""

from __future__ import annotations

import gzip
import io
import stat
import zipfile

import pytest

from siaga.evidence import validation
from siaga.evidence.tests.helpers import zip_bytes
from siaga.evidence.validation import UploadRefused, check_upload


def _check(data: bytes, name: str = "sample.zip", sealed: bool = False) -> list[str]:
    return check_upload(io.BytesIO(data), name=name, sealed=sealed).flags


def test_plain_zip_is_accepted() -> None:
    assert _check(zip_bytes({"logs/access.log": b"GET / 200\n" * 100})) == []


@pytest.mark.parametrize(
    "entry",
    [
        "../../etc/cron.d/evil",
        "/etc/passwd",
        "\\windows\\system32\\x.dll",
        "C:/boot.ini",
        "a/../../b",
    ],
)
def test_entries_leaving_the_folder_are_refused(entry: str) -> None:
    data = zip_bytes({entry: b"x"})
    with pytest.raises(UploadRefused, match="leaves its folder") as caught:
        _check(data)
    assert "kept sealed" in str(caught.value)
    assert _check(data, sealed=True) == ["archive_sealed", "archive_unsafe_paths"]


def test_symbolic_links_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("shadow")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/shadow")
    with pytest.raises(UploadRefused, match="symbolic link"):
        _check(buffer.getvalue())


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_ARCHIVE_ENTRIES", 5)
    data = zip_bytes({f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(UploadRefused, match="6 entries; at most 5"):
        _check(data)


def test_zip_bomb_is_refused_unless_sealed() -> None:
    data = zip_bytes({"zeros.bin": b"\x00" * (3 * 1024 * 1024)})
    assert len(data) < 10_000
    with pytest.raises(UploadRefused, match="expand"):
        _check(data)
    assert _check(data, sealed=True) == ["archive_bomb", "archive_sealed"]


def test_compressible_small_files_are_fine() -> None:
    assert _check(zip_bytes({"blank.txt": b" " * (512 * 1024)})) == []


def test_zip_lying_about_sizes_is_refused() -> None:
    """A header claiming a small size hides a large stream: decompression notices (CRC, size)."""
    data = bytearray(zip_bytes({"zeros.bin": b"\x00" * (3 * 1024 * 1024)}))
    real = (3 * 1024 * 1024).to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    assert data.count(real) == 2  # local header and central directory
    data = data.replace(real, fake)
    with pytest.raises(UploadRefused, match="damaged"):
        _check(bytes(data))


def test_truncated_zip_is_refused_unless_sealed() -> None:
    data = zip_bytes({"a.txt": b"hello" * 100, "b.txt": b"world" * 100})[:-30]
    with pytest.raises(UploadRefused, match="damaged"):
        _check(data)
    assert _check(data, sealed=True) == ["archive_damaged", "archive_sealed"]


def test_password_protected_zip_is_kept_and_flagged() -> None:
    """Malware is exchanged in ZIPs with the password "infected": they cannot be inspected."""
    data = bytearray(zip_bytes({"sample.exe": b"\x12\x34" * 50}, zipfile.ZIP_STORED))
    data[6] |= 0x1  # "encrypted" in the local header
    data[data.rfind(b"PK\x01\x02") + 8] |= 0x1  # and in the central directory
    assert _check(bytes(data)) == ["archive_encrypted"]


def test_gzip_is_expanded_and_checked() -> None:
    assert _check(gzip.compress(b"log line\n" * 1000), name="access.log.gz") == []
    bomb = gzip.compress(b"\x00" * (3 * 1024 * 1024))
    with pytest.raises(UploadRefused, match="expand"):
        _check(bomb, name="x.gz")
    assert "archive_bomb" in _check(bomb, name="x.gz", sealed=True)


def test_gzip_bomb_in_a_second_member_is_found() -> None:
    data = gzip.compress(b"small") + gzip.compress(b"\x00" * (3 * 1024 * 1024))
    with pytest.raises(UploadRefused, match="expand"):
        _check(data, name="x.gz")


def test_truncated_gzip_is_refused() -> None:
    with pytest.raises(UploadRefused, match="damaged"):
        _check(gzip.compress(b"abc" * 1000)[:-12], name="x.gz")


def test_uninspected_archive_kinds_are_flagged() -> None:
    assert _check(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, name="x.rar") == ["archive_not_inspected"]
    assert _check(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40, name="x.7z") == ["archive_not_inspected"]


def test_sealed_plain_file_is_only_flagged_sealed() -> None:
    assert _check(b"MZ" + b"\x00" * 64, name="dropper.exe", sealed=True) == [
        "archive_sealed",
        "executable",
    ]
