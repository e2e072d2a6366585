"""Drop folder: ``SIAGA_FEED_DROP_DIR/<feed id>/``.

Files put there (by rsync, an SFTP account, a mail-to-file gateway) are received and moved to
``done/``, or to ``rejected/`` with a ``.reason`` file beside them. A file still being written is
left alone until it has not changed for ``DROP_SETTLE_SECONDS``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from siaga.feeds.actions import copy_file_chunks, do_receive_report
from siaga.feeds.choices import CollectorKind, ReportSource
from siaga.feeds.collectors.base import Collected
from siaga.feeds.models import Feed

DROP_SETTLE_SECONDS = 10


def drop_root() -> Path:
    return Path(settings.SIAGA_FEED_DROP_DIR)


def drop_folder(feed: Feed) -> Path:
    return drop_root() / str(feed.pk)


def collect_drop_folders(settle_seconds: float = DROP_SETTLE_SECONDS) -> Collected:
    """Receive every settled file in the drop folders of active drop-folder feeds."""
    collected = Collected(received=[])
    feeds = Feed.objects.filter(is_active=True, collector=CollectorKind.FOLDER).order_by("pk")
    for feed in feeds:
        folder = drop_folder(feed)
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and _settled(path, settle_seconds):
                _collect_file(feed, path, collected)
    return collected


def _settled(path: Path, seconds: float) -> bool:
    return time.time() - path.stat().st_mtime >= seconds


def _collect_file(feed: Feed, path: Path, collected: Collected) -> None:
    try:
        report, created = do_receive_report(
            feed, copy_file_chunks(path), path.name, source=ReportSource.FOLDER
        )
    except ValidationError as exc:
        _move(path, "rejected", reason="; ".join(exc.messages))
        collected.failed += 1
        return
    _move(path, "done")
    collected.add(report, created)


def _move(path: Path, where: str, *, reason: str = "") -> None:
    target_folder = path.parent / where
    target_folder.mkdir(exist_ok=True)
    target = target_folder / path.name
    if target.exists():  # the same name again (a daily report re-sent): keep both
        target = target_folder / f"{path.stem}-{int(time.time() * 1000)}{path.suffix}"
    os.replace(path, target)
    if reason:
        target.with_name(target.name + ".reason").write_text(reason + "\n", encoding="utf-8")
