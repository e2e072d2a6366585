"""The encrypted vault: round trips, and every kind of damage reported as a VaultError."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from siaga.evidence import vault


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault, "CHUNK_SIZE", 16)


def _records(path: Path) -> tuple[bytes, list[bytes]]:
    """The header and the raw records (type + length + ciphertext) of a stored file."""
    raw = path.read_bytes()
    header, rest, records = raw[: vault.HEADER.size], raw[vault.HEADER.size :], []
    while rest:
        _kind, length = vault.RECORD.unpack(rest[: vault.RECORD.size])
        end = vault.RECORD.size + length
        records.append(rest[:end])
        rest = rest[end:]
    return header, records


def test_round_trip_over_many_chunks(small_chunks: None) -> None:
    data = os.urandom(16 * 5 + 7)
    stored = vault.store(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert list(vault.open_decrypted(stored.path_id)) == [
        data[i : i + 16] for i in range(0, len(data), 16)
    ]
    assert vault.verify(stored.path_id, stored.sha256) == stored.sha256


def test_empty_file_round_trip() -> None:
    stored = vault.store(io.BytesIO(b""))
    assert vault.read_all(stored.path_id, stored.sha256) == b""
    assert stored.size == 0


def test_file_on_disk_is_encrypted_and_named_randomly(vault_dir: Path) -> None:
    data = b"patient list: Siti, Budi, Wayan " * 10
    stored = vault.store(io.BytesIO(data))
    path = vault.path_of(stored.path_id)
    assert path.parent == vault_dir / stored.path_id[:2] / stored.path_id[2:4]
    assert b"patient" not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not any((vault_dir / "tmp").iterdir())  # no temporary file left behind


def test_key_id_is_stored_with_the_file() -> None:
    stored = vault.store(io.BytesIO(b"x"))
    header = vault.path_of(stored.path_id).read_bytes()[: vault.HEADER.size]
    assert vault.HEADER.unpack(header)[2].hex() == stored.key_id
    assert stored.key_id == vault.key_id_of(vault.current_key()).hex()


@pytest.mark.parametrize("offset", [vault.HEADER.size + vault.RECORD.size + 3, -5])
def test_one_changed_byte_is_detected(offset: int, small_chunks: None) -> None:
    stored = vault.store(io.BytesIO(b"a" * 40))
    path = vault.path_of(stored.path_id)
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(vault.VaultError, match="changed"):
        vault.read_all(stored.path_id)


def test_changed_header_is_detected() -> None:
    stored = vault.store(io.BytesIO(b"secret"))
    path = vault.path_of(stored.path_id)
    raw = bytearray(path.read_bytes())
    raw[vault.HEADER.size - 1] ^= 0x80  # the nonce prefix
    path.write_bytes(bytes(raw))
    with pytest.raises(vault.VaultError):
        vault.read_all(stored.path_id)


def test_truncation_is_detected(small_chunks: None) -> None:
    stored = vault.store(io.BytesIO(b"b" * 64))
    path = vault.path_of(stored.path_id)
    header, records = _records(path)
    path.write_bytes(header + b"".join(records[:-1]))  # the trailer cut off
    with pytest.raises(vault.VaultError, match="truncated"):
        vault.read_all(stored.path_id)
    path.write_bytes(header + b"".join(records)[:-3])  # cut inside the trailer
    with pytest.raises(vault.VaultError, match="truncated"):
        vault.read_all(stored.path_id)


def test_dropped_last_data_chunk_is_detected(small_chunks: None) -> None:
    stored = vault.store(io.BytesIO(b"c" * 64))
    path = vault.path_of(stored.path_id)
    header, records = _records(path)
    path.write_bytes(header + b"".join(records[:-2] + records[-1:]))
    with pytest.raises(vault.VaultError):
        vault.read_all(stored.path_id)


def test_reordered_chunks_are_detected(small_chunks: None) -> None:
    stored = vault.store(io.BytesIO(b"d" * 16 + b"e" * 16 + b"f" * 16))
    path = vault.path_of(stored.path_id)
    header, records = _records(path)
    path.write_bytes(header + records[1] + records[0] + b"".join(records[2:]))
    with pytest.raises(vault.VaultError, match="reordered"):
        vault.read_all(stored.path_id)


def test_appended_data_is_detected() -> None:
    stored = vault.store(io.BytesIO(b"g"))
    path = vault.path_of(stored.path_id)
    path.write_bytes(path.read_bytes() + b"extra")
    with pytest.raises(vault.VaultError, match="after its end"):
        vault.read_all(stored.path_id)


def test_wrong_key_is_reported(settings: Any) -> None:
    stored = vault.store(io.BytesIO(b"h" * 100))
    settings.SIAGA_EVIDENCE_KEY = base64.b64encode(b"k" * 32).decode()
    with pytest.raises(vault.VaultError, match="another key"):
        vault.read_all(stored.path_id)


def test_same_key_id_but_other_key_fails_the_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = vault.store(io.BytesIO(b"i" * 100))
    real_key_id = vault.key_id_of(vault.current_key())
    monkeypatch.setattr(vault, "keyring", lambda: {real_key_id: b"z" * 32})
    with pytest.raises(vault.VaultError, match="another key"):
        vault.read_all(stored.path_id)


def test_file_swapped_with_another_is_detected() -> None:
    first = vault.store(io.BytesIO(b"first file"))
    second = vault.store(io.BytesIO(b"second file"))
    vault.path_of(second.path_id).write_bytes(vault.path_of(first.path_id).read_bytes())
    with pytest.raises(vault.VaultError):
        vault.read_all(second.path_id)


def test_checksum_recorded_at_upload_is_compared() -> None:
    stored = vault.store(io.BytesIO(b"j"))
    with pytest.raises(vault.VaultError, match="checksum"):
        vault.read_all(stored.path_id, expected_sha256="0" * 64)


def test_missing_and_foreign_files(vault_dir: Path) -> None:
    with pytest.raises(vault.VaultError, match="missing"):
        vault.read_all("0" * 32)
    stored = vault.store(io.BytesIO(b"k"))
    vault.path_of(stored.path_id).write_bytes(b"not a vault file at all, just text")
    with pytest.raises(vault.VaultError, match="not an evidence vault file"):
        vault.read_all(stored.path_id)


@pytest.mark.parametrize("path_id", ["../../etc/passwd", "ABCDEF" * 6, "", "0" * 31 + "/"])
def test_only_storage_ids_name_files(path_id: str) -> None:
    with pytest.raises(vault.VaultError):
        vault.path_of(path_id)


def test_failed_store_leaves_no_file(vault_dir: Path) -> None:
    class Broken(io.RawIOBase):
        def readinto(self, buffer: Any) -> int:
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        vault.store(Broken())  # type: ignore[arg-type]
    assert [p for p in vault_dir.rglob("*") if p.is_file()] == []


def test_short_reads_are_filled(small_chunks: None) -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readinto(self, buffer: Any) -> int:
            if not self.data:
                return 0
            buffer[0] = self.data[0]
            self.data = self.data[1:]
            return 1

        def readable(self) -> bool:
            return True

    stored = vault.store(Trickle(b"0123456789" * 5))  # type: ignore[arg-type]
    _header, records = _records(vault.path_of(stored.path_id))
    assert len(records) == 4 + 1  # 16 + 16 + 16 + 2 bytes, and the trailer
    assert vault.read_all(stored.path_id) == b"0123456789" * 5


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_bad_key_setting_is_a_clear_error(settings: Any, value: str) -> None:
    settings.SIAGA_EVIDENCE_KEY = value
    with pytest.raises(ImproperlyConfigured, match="SIAGA_EVIDENCE_KEY"):
        vault.current_key()


def test_development_key_is_derived_from_the_secret_key(settings: Any) -> None:
    first = vault.current_key()
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert vault.current_key() != first
    assert len(first) == 32
    assert struct.calcsize(">IB") + vault.NONCE_PREFIX_SIZE == 12  # the AES-GCM nonce size
