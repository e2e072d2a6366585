"""The evidence vault: files encrypted at rest with AES-256-GCM, outside the web root.

A stored file is ``EVIDENCE_DIR/ab/cd/abcd…`` (a random uuid, sharded by its first characters: the
uploader's file name never reaches the disk). Its layout:

    header   magic "SIAGAV" | format version (1 byte) | key id (8 bytes) | nonce prefix (7 bytes)
    records  type (1 byte, b"D" data or b"T" trailer) | length (4 bytes) | AES-GCM ciphertext + tag

The plaintext is cut into chunks of ``CHUNK_SIZE``; each is sealed on its own, so a file of any size
is encrypted and decrypted in constant memory. Every chunk's nonce is the per-file random prefix,
a 32-bit chunk counter and a "last" flag (the STREAM construction), and every chunk authenticates
the header and the file's storage id as associated data. Hence:

- a changed byte, a wrong key or a file swapped with another fails the chunk's tag;
- chunks moved around fail too (their counter no longer matches);
- a file cut short lacks its trailer — the only record sealed with the "last" flag, which holds the
  plaintext's size and SHA-256 — and is refused.

The key id (a fingerprint of the key, never the key) is stored in each file, so that a new key can
be introduced later while old files stay readable with the old one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

MAGIC = b"SIAGAV"
FORMAT_VERSION = 1
KEY_ID_SIZE = 8
NONCE_PREFIX_SIZE = 7
HEADER = struct.Struct(f">{len(MAGIC)}sB{KEY_ID_SIZE}s{NONCE_PREFIX_SIZE}s")
RECORD = struct.Struct(">cI")  # record type, ciphertext length
TRAILER = struct.Struct(">Q32s")  # plaintext size, plaintext SHA-256
DATA, END = b"D", b"T"
CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
MAX_CHUNKS = 2**32 - 1  # the nonce's counter is 32 bits
HKDF_INFO = b"siaga evidence vault key v1"
KEY_ID_INFO = b"siaga evidence key id v1"
PATH_ID = re.compile(r"^[0-9a-f]{32}$")


class VaultError(Exception):
    """A stored file cannot be read back whole and unchanged; the message says why."""


@dataclass(frozen=True)
class StoredFile:
    path_id: str
    sha256: str
    size: int
    key_id: str


# --- Keys -------------------------------------------------------------------------------------


def current_key() -> bytes:
    """The configured key (32 bytes, base64), or in development one derived from SECRET_KEY."""
    configured = settings.SIAGA_EVIDENCE_KEY
    if not configured:
        # Production refuses to start without SIAGA_EVIDENCE_KEY (siaga.settings); this derived
        # key only spares developers one setting, and is bound to this purpose by its info string.
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
        return hkdf.derive(settings.SECRET_KEY.encode())
    try:
        key = base64.b64decode(configured, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("SIAGA_EVIDENCE_KEY is not valid base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("SIAGA_EVIDENCE_KEY must be 32 bytes, base64-encoded.")
    return key


def key_id_of(key: bytes) -> bytes:
    """A fingerprint naming the key in each file; it reveals nothing usable about the key."""
    return hashlib.sha256(KEY_ID_INFO + key).digest()[:KEY_ID_SIZE]


def keyring() -> dict[bytes, bytes]:
    """Keys that can open stored files, by key id. Rotating keys would add the old ones here."""
    key = current_key()
    return {key_id_of(key): key}


# --- Paths --------------------------------------------------------------------------------------


def vault_dir() -> Path:
    return Path(settings.EVIDENCE_DIR)


def path_of(path_id: str) -> Path:
    """Where a stored file lives; refuses anything but a storage id (no path can be smuggled in)."""
    if not PATH_ID.match(path_id):
        raise VaultError(_("This is not a storage id."))
    return vault_dir() / path_id[:2] / path_id[2:4] / path_id


def _make_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


# --- Writing ------------------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _read_chunk(stream: BinaryIO) -> bytes:
    """Up to CHUNK_SIZE bytes: streams may return less than asked before their end."""
    parts: list[bytes] = []
    wanted = CHUNK_SIZE
    while wanted:
        part = stream.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _write_record(out: BinaryIO, kind: bytes, sealed: bytes) -> None:
    out.write(RECORD.pack(kind, len(sealed)))
    out.write(sealed)


def _encrypt_stream(stream: BinaryIO, out: BinaryIO, path_id: str) -> tuple[str, int, bytes]:
    key = current_key()
    aes, key_id, prefix = AESGCM(key), key_id_of(key), os.urandom(NONCE_PREFIX_SIZE)
    header = HEADER.pack(MAGIC, FORMAT_VERSION, key_id, prefix)
    associated = header + path_id.encode()
    out.write(header)
    digest, size, counter = hashlib.sha256(), 0, 0
    while chunk := _read_chunk(stream):
        if counter >= MAX_CHUNKS:
            raise VaultError(_("This file is too large for the vault."))
        digest.update(chunk)
        size += len(chunk)
        _write_record(out, DATA, aes.encrypt(_nonce(prefix, counter, False), chunk, associated))
        counter += 1
    trailer = TRAILER.pack(size, digest.digest())
    _write_record(out, END, aes.encrypt(_nonce(prefix, counter, True), trailer, associated))
    return digest.hexdigest(), size, key_id


def store(stream: BinaryIO) -> StoredFile:
    """Encrypt a stream into the vault under a new random id; read in chunks, never whole.

    The file is written to a temporary name in the vault and renamed into place once complete and
    flushed to disk, so a crash leaves a stray temporary file, never a half-written evidence file.
    """
    path_id = uuid.uuid4().hex
    final = path_of(path_id)
    _make_private_dir(final.parent)
    staging = vault_dir() / "tmp"
    _make_private_dir(staging)
    handle, temp_name = tempfile.mkstemp(dir=staging, prefix="upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            sha256, size, key_id = _encrypt_stream(stream, out, path_id)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, final)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return StoredFile(path_id=path_id, sha256=sha256, size=size, key_id=key_id.hex())


def remove(path_id: str) -> None:
    """Delete a stored file (only to undo a store whose database row could not be written)."""
    path_of(path_id).unlink(missing_ok=True)


# --- Reading ------------------------------------------------------------------------------------


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise VaultError(_("The stored file is truncated."))
    return data


def _open_header(source: BinaryIO, path_id: str) -> tuple[AESGCM, bytes, bytes]:
    raw = _read_exactly(source, HEADER.size)
    magic, version, key_id, prefix = HEADER.unpack(raw)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise VaultError(_("The stored file is not an evidence vault file."))
    key = keyring().get(key_id)
    if key is None:
        raise VaultError(
            _("The stored file was encrypted with another key (key id %(key_id)s).")
            % {"key_id": key_id.hex()}
        )
    return AESGCM(key), prefix, raw + path_id.encode()


def _next_record(source: BinaryIO) -> tuple[bytes, bytes]:
    kind, length = RECORD.unpack(_read_exactly(source, RECORD.size))
    if kind not in (DATA, END) or length > max(CHUNK_SIZE, TRAILER.size) + TAG_SIZE:
        raise VaultError(_("The stored file is damaged or was changed."))
    return kind, _read_exactly(source, length)


def _decrypt(aes: AESGCM, nonce: bytes, sealed: bytes, associated: bytes) -> bytes:
    try:
        return aes.decrypt(nonce, sealed, associated)
    except InvalidTag as exc:
        raise VaultError(
            _("The stored file was changed, reordered or encrypted with another key.")
        ) from exc


def open_decrypted(path_id: str, expected_sha256: str | None = None) -> Iterator[bytes]:
    """The plaintext in chunks, each authenticated before it is handed out.

    The file's end is only known to be genuine at the trailer: a consumer streaming to a client
    may have sent earlier (authentic) chunks when a truncated file is detected; the exception
    then aborts the response. ``expected_sha256`` (the value recorded at upload) is compared too.
    """
    try:
        source = path_of(path_id).open("rb")
    except FileNotFoundError as exc:
        raise VaultError(_("The stored file is missing.")) from exc
    with source:
        aes, prefix, associated = _open_header(source, path_id)
        digest, size, counter = hashlib.sha256(), 0, 0
        while True:
            kind, sealed = _next_record(source)
            plain = _decrypt(aes, _nonce(prefix, counter, kind == END), sealed, associated)
            if kind == END:
                break
            digest.update(plain)
            size += len(plain)
            counter += 1
            yield plain
        if source.read(1):
            raise VaultError(_("The stored file has data after its end."))
    _check_trailer(plain, digest.hexdigest(), size, expected_sha256)


def _check_trailer(trailer: bytes, sha256: str, size: int, expected_sha256: str | None) -> None:
    if len(trailer) != TRAILER.size:
        raise VaultError(_("The stored file is damaged or was changed."))
    recorded_size, recorded_digest = TRAILER.unpack(trailer)
    if recorded_size != size or recorded_digest.hex() != sha256:
        raise VaultError(_("The stored file does not match its recorded checksum."))
    if expected_sha256 is not None and sha256 != expected_sha256:
        raise VaultError(_("The stored file does not match the checksum recorded at upload."))


def read_all(path_id: str, expected_sha256: str | None = None) -> bytes:
    """The whole plaintext (for small files and tests)."""
    return b"".join(open_decrypted(path_id, expected_sha256))


def verify(path_id: str, expected_sha256: str) -> str:
    """Decrypt without keeping anything and return the SHA-256; raises VaultError on any problem."""
    digest = hashlib.sha256()
    for chunk in open_decrypted(path_id, expected_sha256):
        digest.update(chunk)
    return digest.hexdigest()
