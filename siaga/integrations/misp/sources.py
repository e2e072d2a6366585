"""Where MISP events are read from: one event file, a feed directory, or a feed as a .zip.

A feed is ``manifest.json`` (event uuid → summary), one ``<uuid>.json`` per event and
``hashes.csv``. A zip comes from outside, so its members are checked before anything is read:
a bounded number and size, no absolute paths or ``..``, nothing but the feed's own files (in the
archive's root or in one folder). Members are read into memory one at a time, never extracted.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Protocol

from django.utils.translation import gettext as _

from siaga.integrations.misp.parser import (
    MAX_EVENT_BYTES,
    MispEvent,
    MispFormatError,
    load_event_bytes,
)

MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_TOTAL = 500 * 1024 * 1024  # uncompressed
MAX_MANIFEST_BYTES = 20 * 1024 * 1024
_FEED_FILE = re.compile(r"(manifest\.json|hashes\.csv|[0-9a-fA-F-]{36}\.json)")
_HASH_LINE = re.compile(r"[0-9a-f]{32},[0-9a-fA-F-]{36}")


class FeedFiles(Protocol):
    def read(self, name: str) -> bytes | None: ...

    def event_names(self) -> list[str]: ...


class DirectoryFeed:
    """A feed directory on disk (the management command)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, name: str) -> bytes | None:
        target = self.path / name
        if not target.is_file():
            return None
        if target.stat().st_size > MAX_EVENT_BYTES:
            raise MispFormatError(_("%(name)s is too large.") % {"name": name})
        return target.read_bytes()

    def event_names(self) -> list[str]:
        return sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_file()
            and _FEED_FILE.fullmatch(p.name)
            and p.name != "manifest.json"
            and p.suffix == ".json"
        )


class ZipFeed:
    """A feed directory uploaded as a .zip; see the module's docstring for the checks."""

    def __init__(self, data: bytes) -> None:
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError):
            raise MispFormatError(_("The file is not a valid .zip archive.")) from None
        self.members = self._checked_members()

    def _checked_members(self) -> dict[str, zipfile.ZipInfo]:
        infos = self.archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise MispFormatError(
                _("The archive holds more than %(max)d files.") % {"max": MAX_ZIP_MEMBERS}
            )
        if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL:
            raise MispFormatError(
                _("The archive unpacks to more than %(max)d MB.") % {"max": MAX_ZIP_TOTAL // 2**20}
            )
        members: dict[str, zipfile.ZipInfo] = {}
        folders: set[str] = set()
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            path = PurePosixPath(name.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or ":" in name or len(path.parts) > 2:
                raise MispFormatError(
                    _("The archive member %(name)s has a path that is not allowed.")
                    % {"name": name[:100]}
                )
            if not _FEED_FILE.fullmatch(path.name):
                raise MispFormatError(
                    _(
                        "The archive member %(name)s is not a feed file (manifest.json, "
                        "hashes.csv or <uuid>.json)."
                    )
                    % {"name": name[:100]}
                )
            if info.file_size > MAX_EVENT_BYTES:
                raise MispFormatError(_("%(name)s is too large.") % {"name": name[:100]})
            folders.add(str(path.parent))
            members[path.name] = info
        if len(folders) > 1:
            raise MispFormatError(_("The feed files must be in one folder of the archive."))
        return members

    def read(self, name: str) -> bytes | None:
        info = self.members.get(name)
        if info is None:
            return None
        with self.archive.open(info) as member:
            # The header's size may lie: read at most one byte more than allowed.
            data = member.read(MAX_EVENT_BYTES + 1)
        if len(data) > MAX_EVENT_BYTES:
            raise MispFormatError(_("%(name)s is too large.") % {"name": name})
        return data

    def event_names(self) -> list[str]:
        return sorted(n for n in self.members if n.endswith(".json") and n != "manifest.json")


def feed_events(files: FeedFiles) -> Iterator[MispEvent]:
    """The events of a feed, in the manifest's order if there is one (else every event file)."""
    manifest = _manifest(files)
    names = [f"{key}.json" for key in manifest] if manifest is not None else files.event_names()
    _check_hashes(files)
    for name in names:
        data = files.read(name)
        if data is None:
            raise MispFormatError(
                _("manifest.json lists %(name)s but the feed has no such file.") % {"name": name}
            )
        try:
            event = load_event_bytes(data)
        except MispFormatError as exc:
            raise MispFormatError(f"{name}: {exc}") from None
        if manifest is not None and name != f"{event.uuid}.json":
            raise MispFormatError(
                _("%(name)s holds event %(uuid)s, not the one its name says.")
                % {"name": name, "uuid": event.uuid}
            )
        yield event


def _manifest(files: FeedFiles) -> list[str] | None:
    data = files.read("manifest.json")
    if data is None:
        return None
    if len(data) > MAX_MANIFEST_BYTES:
        raise MispFormatError(_("manifest.json is too large."))
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MispFormatError(
            _("manifest.json is not valid JSON: %(error)s") % {"error": exc}
        ) from None
    if not isinstance(manifest, dict):
        raise MispFormatError(_("manifest.json must map event uuids to their summaries."))
    keys: list[str] = []
    for key in manifest:
        try:
            keys.append(str(uuid.UUID(key)))
        except ValueError:
            raise MispFormatError(
                _("manifest.json: %(key)s is not an event uuid.") % {"key": key[:60]}
            ) from None
    return keys


def _check_hashes(files: FeedFiles) -> None:
    """hashes.csv is not needed to import, but a malformed one means a broken feed: say so."""
    data = files.read("hashes.csv")
    if data is None:
        return
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if line.strip() and not _HASH_LINE.fullmatch(line.strip()):
            raise MispFormatError(
                _("hashes.csv line %(line)d is not “md5,event uuid”.") % {"line": number}
            )
