"""The import's write path: the stored JSON text is exactly what was sent whatever characters it
holds (PostgreSQL's COPY text is built by hand), versions and their ``is_latest`` across batches,
and the reader thread that parses ahead of the writer (order, errors in place, language, stop)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import orjson
import pytest
from django.utils import translation

from siaga.core.testing import Personas
from siaga.sharing.choices import TLP
from siaga.stix import importer
from siaga.stix.importer import SharingLabels, _read_ahead, import_bundle_file
from siaga.stix.models import StixObject

pytestmark = pytest.mark.django_db


def labels_for(personas: Personas) -> SharingLabels:
    return SharingLabels(
        organization=personas.orgs.cert,
        tlp=TLP.GREEN,
        distribution="constituents",
        created_by=personas.cert_analyst,
    )


def bundle(objects: list[dict[str, Any]]) -> io.BytesIO:
    data = {"type": "bundle", "id": "bundle--6b1b5a4a-50ea-4a45-9b9b-2f2e2a6b3c11"}
    return io.BytesIO(json.dumps({**data, "objects": objects}).encode())


def note(number: int, text: str = "", modified: str = "2024-01-01T00:00:00.000Z") -> dict[str, Any]:
    return {
        "type": "note",
        "spec_version": "2.1",
        "id": f"note--8e2e2d2b-17d4-4cbf-938f-{number:012d}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "content": text or f"note {number}",
        "object_refs": ["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
    }


AWKWARD = 'tab\there, new\nline, return\r, back\\slash, \\N, quote " , \u2028, emoji 🩺, \\\\t'


def test_stored_json_is_the_object_whatever_characters_it_holds(personas: Personas):
    objects = [note(1, AWKWARD), note(2, "\\"), note(3, "ends with a backslash \\")]
    result = import_bundle_file(bundle(objects), labels_for(personas), source="src\twith\\tab")
    assert result.added == 3, result.as_dict()
    for obj in objects:
        stored = StixObject.objects.get(stix_id=obj["id"])
        assert orjson.loads(stored.raw) == obj
        assert stored.source == "src\twith\\tab"
        assert stored.created_by_id == personas.cert_analyst.pk


def test_versions_across_batches_leave_only_the_newest_latest(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    newer = "2025-06-01T00:00:00.000Z"
    objects = [note(n) for n in range(5)] + [note(1, modified=newer), note(4, modified=newer)]
    objects.append(note(1))  # the older version again: a duplicate
    result = import_bundle_file(bundle(objects), labels_for(personas), source="test")
    assert (result.added, result.duplicates) == (7, 1)
    latest = StixObject.objects.filter(is_latest=True)
    assert latest.count() == 5
    twice = latest.filter(stix_id__in=[note(1)["id"], note(4)["id"]])
    assert sorted(o.version.year for o in twice) == [2025, 2025]


def test_a_large_batch_keeps_every_object_in_order(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(importer, "READ_AHEAD_CHUNK", 7)
    monkeypatch.setattr(importer, "BATCH_SIZE", 50)
    objects = [note(n) for n in range(240)]
    result = import_bundle_file(bundle(objects), labels_for(personas), source="test")
    assert result.added == 240
    assert [stix_id for stix_id, _version in result.added_ids] == [o["id"] for o in objects]


# --- the reader thread ----------------------------------------------------------------------------


def test_read_ahead_yields_everything_in_order(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "READ_AHEAD_CHUNK", 3)
    assert list(_read_ahead(iter(range(100)))) == list(range(100))


def failing_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise ValueError("broken here")


def test_read_ahead_raises_a_reader_error_after_the_items_before_it(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(importer, "READ_AHEAD_CHUNK", 4)
    seen = []
    with pytest.raises(ValueError, match="broken here"):
        for item in _read_ahead(failing_after(10)):
            seen.append(item)
    assert seen == list(range(10))


def test_read_ahead_runs_in_the_callers_language():
    def languages() -> Iterator[str | None]:
        yield translation.get_language()

    with translation.override("id"):
        assert list(_read_ahead(languages())) == ["id"]


def test_closing_the_read_ahead_stops_the_reader(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "READ_AHEAD_CHUNK", 1)
    monkeypatch.setattr(importer, "READ_AHEAD_CHUNKS", 1)
    before = threading.active_count()
    endless = iter(int, 1)  # never ends
    with closing(_read_ahead(endless)) as items:
        assert next(items) == 0
    assert threading.active_count() == before


def test_a_bundle_over_the_limit_leaves_no_reader_behind(personas: Personas):
    before = threading.active_count()
    objects = [note(n) for n in range(30)]
    result = import_bundle_file(bundle(objects), labels_for(personas), source="t", max_objects=10)
    assert result.added == 0 and result.failed == 1
    assert not StixObject.objects.exists()
    assert threading.active_count() == before


def ip_address(number: int) -> dict[str, Any]:
    return {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": f"ipv4-addr--8e2e2d2b-17d4-4cbf-938f-{number:012d}",
        "value": f"198.51.100.{number}",
    }


def test_an_object_without_a_version_is_stored_once(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    first = [ip_address(n) for n in range(3)]
    result = import_bundle_file(bundle(first), labels_for(personas), source="test")
    assert (result.added, result.duplicates) == (3, 0)
    again = [ip_address(n) for n in range(5)]
    result = import_bundle_file(bundle(again), labels_for(personas), source="test")
    assert (result.added, result.duplicates) == (2, 3)
    assert StixObject.objects.filter(type="ipv4-addr").count() == 5
    assert not StixObject.objects.filter(is_latest=False).exists()
