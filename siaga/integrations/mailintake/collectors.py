"""Where report e-mails come from: a drop folder of .eml files, and an IMAP mailbox.

Both hand each raw message to a ``handler(raw, source) -> str`` (the intake, which answers with
the tracking id it filed the message under) and only then let the message go, so a crash between
the two takes the message in again on the next run; the intake is idempotent by the message's
SHA-256, so that run files nothing twice.

The drop folder has four sub-folders: ``new/`` (put .eml files here; write them elsewhere first
and move them in, as with Maildir), ``processing/`` (claimed by a collector: the rename is atomic,
so two collectors never take the same file), ``done/`` and ``rejected/`` (with a ``.error.txt``
saying why). A file left in ``processing/`` by a collector that died is taken back into ``new/``
after ``STALE_AFTER``.
"""

from __future__ import annotations

import imaplib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from siaga.core.imap import close_quietly, peek_message, quoted_folder, unseen_uids
from siaga.integrations.mailintake.parser import MailRejected

log = logging.getLogger(__name__)

Handler = Callable[[bytes, str], str]
STALE_AFTER = 15 * 60  # seconds a file may sit in processing/ before another run takes it back
SUBFOLDERS = ("new", "processing", "done", "rejected")


@dataclass
class CollectionResult:
    filed: list[str] = field(default_factory=list)  # tracking ids
    rejected: list[str] = field(default_factory=list)  # "<source>: <reason>"
    failed: list[str] = field(default_factory=list)  # left for the next run

    def as_dict(self) -> dict[str, list[str]]:
        return {"filed": self.filed, "rejected": self.rejected, "failed": self.failed}


def prepare_drop_folder(root: Path) -> None:
    for name in SUBFOLDERS:
        (root / name).mkdir(parents=True, exist_ok=True)


def collect_drop_folder(root: Path, handler: Handler, *, max_bytes: int) -> CollectionResult:
    prepare_drop_folder(root)
    _take_back_stale(root)
    result = CollectionResult()
    for claimed in _claim_files(root):
        _process_file(root, claimed, handler, max_bytes, result)
    return result


def _take_back_stale(root: Path) -> None:
    cutoff = time.time() - STALE_AFTER
    for path in (root / "processing").iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            log.warning(
                "taking back %s, left in processing/ by a collector that stopped", path.name
            )
            os.replace(path, root / "new" / path.name)


def _claim_files(root: Path) -> Iterator[Path]:
    for path in sorted((root / "new").iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        target = root / "processing" / path.name
        try:
            os.rename(path, target)  # atomic: whoever renames first owns the file
        except FileNotFoundError:
            continue  # another collector took it
        os.utime(target)  # its age in processing/ counts from now
        yield target


def _process_file(
    root: Path, path: Path, handler: Handler, max_bytes: int, result: CollectionResult
) -> None:
    try:
        if path.stat().st_size > max_bytes:
            raise MailRejected(f"The message is larger than {max_bytes} bytes.")
        tracking_id = handler(path.read_bytes(), f"file:{path.name}")
    except MailRejected as exc:
        _move(path, root / "rejected")
        (root / "rejected" / f"{path.name}.error.txt").write_text(f"{exc}\n", encoding="utf-8")
        result.rejected.append(f"{path.name}: {exc}")
        return
    except Exception:
        # Kept in processing/: the next run after STALE_AFTER tries again. Logged with its cause.
        log.exception("could not take in %s", path.name)
        result.failed.append(path.name)
        return
    _move(path, root / "done")
    result.filed.append(tracking_id)


def _move(path: Path, folder: Path) -> None:
    target = folder / path.name
    if target.exists():  # the same file name came twice: keep both
        target = folder / f"{path.stem}-{int(time.time() * 1000)}{path.suffix}"
    os.replace(path, target)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True
    timeout: float = 30.0


def collect_imap(
    settings: ImapSettings, handler: Handler, *, max_bytes: int, limit: int = 200
) -> CollectionResult:
    """Take in unseen messages; a message is marked seen only once the intake has filed it."""
    result = CollectionResult()
    client = _imap_connect(settings)
    try:
        client.login(settings.user, settings.password)
        status, _ = client.select(quoted_folder(settings.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.folder!r}")
        for uid in unseen_uids(client)[:limit]:
            _process_imap_message(client, uid, handler, max_bytes, result)
    finally:
        close_quietly(client)
    return result


def _imap_connect(settings: ImapSettings) -> imaplib.IMAP4:
    if settings.ssl:
        return imaplib.IMAP4_SSL(settings.host, settings.port, timeout=settings.timeout)
    return imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)


def _process_imap_message(
    client: imaplib.IMAP4, uid: str, handler: Handler, max_bytes: int, result: CollectionResult
) -> None:
    source = f"imap:{uid}"
    raw = peek_message(client, uid)
    if raw is None:
        result.failed.append(source)
        return
    try:
        if len(raw) > max_bytes:
            raise MailRejected(f"The message is larger than {max_bytes} bytes.")
        tracking_id = handler(raw, source)
    except MailRejected as exc:
        result.rejected.append(f"{source}: {exc}")
    except Exception:
        log.exception("could not take in IMAP message %s", source)
        result.failed.append(source)
        return
    else:
        result.filed.append(tracking_id)
    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
