"""Collectors: where reports come from besides uploads — an HTTP(S) fetch on a schedule and a
watched drop folder. Each hands the bytes to ``do_receive_report``, which keeps them raw first.

HTTP: the feed's URL is checked by the webhook rule (https://, or http:// only to the hosts
``SIAGA_WEBHOOK_HTTP_HOSTS`` allows), fetched without following redirects, streamed to the report
store with the size limit, and the feed's secret, if any, sent in its header. Only the status code
and the file name reach the feed's record; the body is only ever parsed as a report.

Drop folder: ``SIAGA_FEED_DROP_DIR/<feed id>/`` — files put there (by rsync, an SFTP account, a
mail-to-file gateway) are received and moved to ``done/``, or to ``rejected/`` with a ``.reason``
file beside them. A file still being written is left alone until it has not changed for
``DROP_SETTLE_SECONDS``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from siaga.feeds.actions import copy_file_chunks, do_receive_report
from siaga.feeds.choices import CollectorKind, ReportSource
from siaga.feeds.models import Feed, FeedReport
from siaga.notifications.models import validate_webhook_url

FETCH_TIMEOUT_SECONDS = 60
DOWNLOAD_BLOCK = 1024 * 1024
DROP_SETTLE_SECONDS = 10
_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


@dataclass
class Collected:
    received: list[FeedReport]
    repeated: int = 0
    failed: int = 0


# --- HTTP(S) --------------------------------------------------------------------------------------


def fetch_feed(feed: Feed) -> FeedReport:
    """Fetch a feed's URL once and receive what came back; raises on any failure (recorded on the
    feed too) so that the caller's job shows it."""
    now = timezone.now()
    try:
        validate_webhook_url(feed.url)
        with _get(feed) as response:
            name = _file_name(response, feed)
            report, _created = do_receive_report(
                feed, response.iter_content(DOWNLOAD_BLOCK), name, source=ReportSource.HTTP
            )
    except (requests.RequestException, ValidationError, OSError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        Feed.objects.filter(pk=feed.pk).update(last_fetched_at=now, last_error=message[:2000])
        raise
    Feed.objects.filter(pk=feed.pk).update(last_fetched_at=now, last_error="")
    return report


def _get(feed: Feed) -> requests.Response:
    headers = {"User-Agent": "Siaga feed collector"}
    if feed.auth_header and feed.secret:
        headers[feed.auth_header] = feed.plain_secret
    response = requests.get(
        feed.url,
        headers=headers,
        timeout=FETCH_TIMEOUT_SECONDS,
        stream=True,
        allow_redirects=False,
        verify=feed.verify_tls,
    )
    if response.status_code != 200:
        response.close()
        raise requests.HTTPError(f"{feed.url} answered {response.status_code}", response=response)
    return response


def _file_name(response: requests.Response, feed: Feed) -> str:
    """The file's name as the server gives it, else the URL's last part, else the feed's name."""
    disposition = response.headers.get("Content-Disposition", "")
    found = _FILENAME.search(disposition)
    if found:
        return os.path.basename(unquote(found.group(1)).strip()) or feed.name
    path_part = os.path.basename(unquote(urlsplit(feed.url).path))
    return path_part or f"{feed.name}.txt"


def due_feeds() -> Iterator[Feed]:
    now = timezone.now()
    for feed in Feed.objects.filter(is_active=True, collector=CollectorKind.HTTP).order_by("pk"):
        if feed.fetch_is_due(now):
            yield feed


def fetch_due_feeds() -> dict[str, str]:
    """Fetch every feed that is due; one failing feed does not stop the others."""
    outcome: dict[str, str] = {}
    for feed in due_feeds():
        try:
            report = fetch_feed(feed)
        except (requests.RequestException, ValidationError, OSError) as exc:
            outcome[feed.name] = f"failed: {exc}"
        else:
            outcome[feed.name] = f"report {report.pk}"
    return outcome


# --- Drop folder ------------------------------------------------------------------------------------


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
    if created:
        collected.received.append(report)
    else:
        collected.repeated += 1


def _move(path: Path, where: str, *, reason: str = "") -> None:
    target_folder = path.parent / where
    target_folder.mkdir(exist_ok=True)
    target = target_folder / path.name
    if target.exists():  # the same name again (a daily report re-sent): keep both
        target = target_folder / f"{path.stem}-{int(time.time() * 1000)}{path.suffix}"
    os.replace(path, target)
    if reason:
        target.with_name(target.name + ".reason").write_text(reason + "\n", encoding="utf-8")
