"""Importing a MISP feed: a directory (manifest.json, event files, hashes.csv) or its .zip."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from siaga.core.testing import Personas
from siaga.integrations.misp.actions import check_import_feed, check_import_upload
from siaga.integrations.misp.parser import MispFormatError
from siaga.integrations.misp.sources import DirectoryFeed, ZipFeed, feed_events
from siaga.integrations.misp.tests.helpers import (
    EVENT_UUID,
    defaults_for,
    event_document,
    small_event,
)
from siaga.intel.models import Indicator

pytestmark = pytest.mark.django_db

SECOND = "8e8e8e8e-0000-4000-8000-000000000000"


def _feed_files() -> dict[str, bytes]:
    events = {
        EVENT_UUID: event_document(),
        SECOND: small_event(SECOND, [("domain", "second.example")], ["tlp:clear"]),
    }
    manifest = {
        key: {
            "info": doc["Event"]["info"],
            "date": doc["Event"]["date"],
            "analysis": 2,
            "threat_level_id": 4,
            "timestamp": int(doc["Event"]["timestamp"]),
            "Orgc": doc["Event"]["Orgc"],
            "Tag": doc["Event"]["Tag"],
        }
        for key, doc in events.items()
    }
    hashes = "".join(
        f"{hashlib.md5(a['value'].encode()).hexdigest()},{key}\n"  # noqa: S324
        for key, doc in events.items()
        for a in doc["Event"]["Attribute"]
    )
    files = {f"{key}.json": json.dumps(doc).encode() for key, doc in events.items()}
    files["manifest.json"] = json.dumps(manifest).encode()
    files["hashes.csv"] = hashes.encode()
    return files


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _write(directory: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def test_feed_directory_imports_every_event_of_the_manifest(
    personas: Personas, tmp_path: Path
) -> None:
    feed = DirectoryFeed(_write(tmp_path, _feed_files()))
    result = check_import_feed(
        personas.cert_analyst, feed, defaults_for(personas.orgs.cert, personas.cert_analyst)
    )
    assert len(result.events) == 2
    assert result.created == 17
    assert Indicator.objects.get(value="second.example").tlp == "clear"


def test_feed_zip_upload_imports_and_reimports_idempotently(personas: Personas) -> None:
    data = _zip({f"feed/{name}": body for name, body in _feed_files().items()})
    defaults = defaults_for(personas.orgs.cert, personas.cert_analyst)
    first = check_import_upload(personas.cert_analyst, "feed.zip", data, defaults)
    again = check_import_upload(personas.cert_analyst, "feed.zip", data, defaults)
    assert (first.created, again.created, again.updated, again.unchanged) == (17, 0, 0, 17)
    assert Indicator.objects.count() == 17


def test_without_manifest_every_event_file_is_read(tmp_path: Path) -> None:
    files = _feed_files()
    del files["manifest.json"]
    events = list(feed_events(DirectoryFeed(_write(tmp_path, files))))
    assert {str(e.uuid) for e in events} == {EVENT_UUID, SECOND}


def test_manifest_naming_a_missing_event_is_an_error(tmp_path: Path) -> None:
    files = _feed_files()
    del files[f"{SECOND}.json"]
    with pytest.raises(MispFormatError, match="no such file"):
        list(feed_events(DirectoryFeed(_write(tmp_path, files))))


def test_event_file_holding_another_event_is_an_error(tmp_path: Path) -> None:
    files = _feed_files()
    files[f"{SECOND}.json"] = files[f"{EVENT_UUID}.json"]
    with pytest.raises(MispFormatError, match="not the one its name says"):
        list(feed_events(DirectoryFeed(_write(tmp_path, files))))


def test_malformed_hashes_csv_is_an_error(tmp_path: Path) -> None:
    files = _feed_files()
    files["hashes.csv"] = b"not,a,hash line\n"
    with pytest.raises(MispFormatError, match=r"hashes\.csv line 1"):
        list(feed_events(DirectoryFeed(_write(tmp_path, files))))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../manifest.json", "not allowed"),
        ("/etc/manifest.json", "not allowed"),
        ("a/b/manifest.json", "not allowed"),
        ("feed/evil.sh", "not a feed file"),
    ],
)
def test_zip_members_are_checked(name: str, message: str) -> None:
    with pytest.raises(MispFormatError, match=message):
        ZipFeed(_zip({name: b"{}"}))


def test_zip_files_in_two_folders_are_refused() -> None:
    with pytest.raises(MispFormatError, match="one folder"):
        ZipFeed(_zip({"a/manifest.json": b"{}", "b/hashes.csv": b""}))


def test_not_a_zip_is_a_clear_error(personas: Personas) -> None:
    defaults = defaults_for(personas.orgs.cert, personas.cert_analyst)
    with pytest.raises(ValidationError) as caught:
        check_import_upload(personas.cert_analyst, "feed.zip", b"PK\x03\x04 broken", defaults)
    assert "not a valid .zip" in str(caught.value)


def test_a_broken_event_in_a_feed_saves_nothing(personas: Personas) -> None:
    files = _feed_files()
    broken: dict[str, Any] = json.loads(files[f"{SECOND}.json"])
    broken["Event"]["Attribute"][0]["to_ids"] = "perhaps"
    files[f"{SECOND}.json"] = json.dumps(broken).encode()
    defaults = defaults_for(personas.orgs.cert, personas.cert_analyst)
    with pytest.raises(ValidationError, match="to_ids"):
        check_import_upload(personas.cert_analyst, "feed.zip", _zip(files), defaults)
    assert not Indicator.objects.exists()
