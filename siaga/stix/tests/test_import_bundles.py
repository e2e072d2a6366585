"""Importing real and hand-made STIX bundles into the store: counts, versions, markings, custom
objects, pending references, idempotence and reported problems."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from siaga.core.testing import Personas
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution
from siaga.stix.importer import ImportResult, SharingLabels, import_bundle_file, import_objects
from siaga.stix.models import PendingReference, StixObject

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
STIX_DATA = DATA / "stix"

pytestmark = pytest.mark.django_db


def needs_data() -> None:
    if not STIX_DATA.is_dir():
        pytest.skip("needs ../shared/data (absent in a user's clone)")


def labels_for(personas: Personas, tlp: str = TLP.GREEN, distribution: str = "constituents"):
    return SharingLabels(
        organization=personas.orgs.cert,
        tlp=tlp,
        distribution=distribution,
        created_by=personas.cert_analyst,
    )


def bundle(*objects: Any) -> bytes:
    return json.dumps(
        {"type": "bundle", "id": "bundle--6b1b5a4a-50ea-4a45-9b9b-2f2e2a6b3c11", "objects": objects}
    ).encode()


def run(data: bytes, labels: SharingLabels, **kwargs: Any) -> ImportResult:
    return import_bundle_file(io.BytesIO(data), labels, source="test", **kwargs)


IND_ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def indicator(
    stix_id: str = IND_ID, modified: str = "2024-01-01T00:00:00.000Z", **extra: Any
) -> dict[str, Any]:
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


# --- real data ------------------------------------------------------------------------------------


def all_bundle_files() -> list[Path]:
    if not STIX_DATA.is_dir():
        return []
    return sorted(STIX_DATA.glob("*/*.json"))


@pytest.mark.parametrize("path", all_bundle_files() or [None], ids=lambda p: p and p.name)
def test_every_shared_bundle_imports_without_problems(personas: Personas, path: Path | None):
    needs_data()
    assert path is not None
    result = import_bundle_file(path, labels_for(personas), source=path.name)
    assert result.failures == []
    document = json.loads(path.read_bytes())
    count = len(document["objects"]) if document["type"] == "bundle" else 1
    assert result.added + result.duplicates == count
    assert StixObject.objects.count() == result.added


@pytest.mark.parametrize("name", ["ics-attack-18.0.json", "mobile-attack-17.1.json"])
def test_attack_bundles_import_whole_and_reimport_as_duplicates(personas: Personas, name: str):
    needs_data()
    path = STIX_DATA / "attack" / name
    objects = json.loads(path.read_bytes())["objects"]
    first = import_bundle_file(path, labels_for(personas), source=name)
    assert first.failures == []
    assert first.added == len(objects) == StixObject.objects.count()
    assert first.custom == sum(1 for o in objects if o["type"].startswith("x-"))
    assert first.custom_types["x-mitre-tactic"] > 0
    again = import_bundle_file(path, labels_for(personas), source=name)
    assert (again.added, again.duplicates, again.failures) == (0, len(objects), [])
    assert StixObject.objects.count() == len(objects)
    # Every object's JSON is kept as it came, custom properties included.
    sample = {o["id"]: o for o in objects if o["type"] == "attack-pattern"}
    for stored in StixObject.objects.filter(type="attack-pattern")[:50]:
        assert orjson.loads(stored.raw) == sample[stored.stix_id]


# --- versions -----------------------------------------------------------------------------------


def test_newest_version_is_latest_whatever_the_arrival_order(personas: Personas):
    labels = labels_for(personas)
    middle = indicator(modified="2024-02-01T00:00:00.000Z")
    newest = indicator(modified="2024-03-01T00:00:00.000Z")
    oldest = indicator(modified="2024-01-01T00:00:00.000Z")
    import_objects([middle], labels, source="t")
    import_objects([newest], labels, source="t")
    result = import_objects([oldest, newest], labels, source="t")
    assert (result.added, result.duplicates) == (1, 1)
    versions = list(
        StixObject.objects.filter(stix_id=IND_ID).order_by("version").values_list("is_latest")
    )
    assert versions == [(False,), (False,), (True,)]
    assert result.added_ids == [(IND_ID, "2024-01-01T00:00:00.000000Z")]


def test_same_version_twice_in_one_bundle_is_one_row(personas: Personas):
    result = run(bundle(indicator(), indicator()), labels_for(personas))
    assert (result.added, result.duplicates, result.failures) == (1, 1, [])


def test_observable_without_timestamps_has_one_version(personas: Personas):
    sco = {"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
           "value": "198.51.100.3"}  # fmt: skip
    assert run(bundle(sco), labels_for(personas)).added == 1
    again = run(bundle(sco), labels_for(personas))
    assert (again.added, again.duplicates) == (0, 1)


# --- markings -----------------------------------------------------------------------------------

TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"


def test_tlp1_markings_map_to_tlp2_and_narrow_distribution(personas: Personas):
    objects = [
        indicator("indicator--0b9e6d4e-8a43-4c43-9a6f-6f3c3a0e1d01", object_marking_refs=[TLP1_AMBER]),
        indicator("indicator--0b9e6d4e-8a43-4c43-9a6f-6f3c3a0e1d02", object_marking_refs=[TLP1_RED]),
        indicator("indicator--0b9e6d4e-8a43-4c43-9a6f-6f3c3a0e1d03", object_marking_refs=[TLP1_WHITE]),
        indicator("indicator--0b9e6d4e-8a43-4c43-9a6f-6f3c3a0e1d04",
                  object_marking_refs=[TLP1_WHITE, TLP2_AMBER_STRICT]),
    ]  # fmt: skip
    result = import_objects(objects, labels_for(personas, TLP.GREEN, "constituents"), source="t")
    assert result.failures == []
    got = dict(StixObject.objects.values_list("stix_id", "tlp"))
    assert [got[o["id"]] for o in objects] == [TLP.AMBER, TLP.RED, TLP.GREEN, TLP.AMBER_STRICT]
    distributions = set(
        StixObject.objects.exclude(tlp=TLP.GREEN).values_list("distribution", flat=True)
    )
    assert distributions == {Distribution.ORGANIZATION}
    assert StixObject.objects.get(tlp=TLP.GREEN).distribution == Distribution.CONSTITUENTS


def test_strict_labels_refuse_objects_marked_more_restrictively(personas: Personas):
    objects = [indicator(object_marking_refs=[TLP1_RED])]
    result = import_objects(objects, labels_for(personas), source="t", strict_labels=True)
    assert result.added == 0
    assert "object_marking_refs" in result.failures[0].message
    assert "TLP:RED" in result.failures[0].message


# --- custom objects and references ----------------------------------------------------------------


def test_custom_objects_and_properties_are_kept(personas: Personas):
    custom = {
        "type": "x-siaga-hospital-asset",
        "spec_version": "2.1",
        "id": "x-siaga-hospital-asset--2f7b0e1c-4d8e-4a5b-9c3d-1e2f3a4b5c6d",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "x_ward": {"name": "ICU", "beds": 12, "ratio": 0.5, "tags": ["a", None, True]},
        "big": 12345678901234567890123,
    }
    unprefixed = dict(custom, type="hospital-asset",
                      id="hospital-asset--2f7b0e1c-4d8e-4a5b-9c3d-1e2f3a4b5c6e")  # fmt: skip
    with_extra = indicator(x_acme_score=7, extensions={"x-acme-ext": {"a": [1, 2]}})
    result = run(bundle(custom, unprefixed, with_extra), labels_for(personas))
    assert result.failures == []
    assert (result.added, result.custom) == (3, 2)
    assert dict(result.custom_types) == {"x-siaga-hospital-asset": 1, "hospital-asset": 1}
    for obj in (custom, unprefixed, with_extra):
        assert json.loads(StixObject.objects.get(stix_id=obj["id"]).raw) == obj


def test_references_wait_until_their_object_arrives(personas: Personas):
    labels = labels_for(personas)
    malware_id = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
    relationship = {
        "type": "relationship", "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
        "relationship_type": "indicates", "source_ref": IND_ID, "target_ref": malware_id,
    }  # fmt: skip
    first = run(bundle(indicator(), relationship), labels)
    assert first.pending_references == 1
    pending = PendingReference.objects.get()
    assert (pending.target_id, pending.property_name) == (malware_id, "target_ref")
    malware = {
        "type": "malware", "spec_version": "2.1", "id": malware_id, "is_family": True,
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "name": "X",
    }  # fmt: skip
    second = run(bundle(malware), labels)
    assert second.pending_references == 0
    assert not PendingReference.objects.exists()


def test_reference_resolved_later_in_the_same_import(personas: Personas, monkeypatch):
    monkeypatch.setattr("siaga.stix.importer.BATCH_SIZE", 1)
    note = {
        "type": "note", "spec_version": "2.1",
        "id": "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
        "content": "see", "object_refs": [IND_ID],
    }  # fmt: skip
    result = run(bundle(note, indicator()), labels_for(personas))
    assert result.added == 2
    assert result.pending_references == 0
    assert not PendingReference.objects.exists()


# --- problems ---------------------------------------------------------------------------------------


def test_partly_bad_bundle_reports_exactly_the_bad_objects(personas: Personas):
    good = indicator()
    entries = [
        good,
        indicator("indicator--not-a-uuid"),
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40", modified="2024-13-01T00:00Z"),
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd41", pattern="[ipv4-addr:value ="),
        {"id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd42", "spec_version": "2.1"},
        "not an object",
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd43", created_by_ref="identity--x"),
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd44", spec_version="3.0"),
    ]
    result = run(bundle(*entries), labels_for(personas))
    assert result.added == 1
    problems = {p.index: (p.stix_id, p.message) for p in result.failures}
    assert sorted(problems) == [1, 2, 3, 4, 5, 6, 7]
    assert "“id”" in problems[1][1] and problems[1][0] == "indicator--not-a-uuid"
    assert "“modified”" in problems[2][1]
    assert "“pattern”" in problems[3][1]
    assert "“type”" in problems[4][1]
    assert problems[5] == (None, "The entry is not a JSON object.")
    assert "“created_by_ref”" in problems[6][1]
    assert "“spec_version”" in problems[7][1]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"[1, 2]", "does not start with a JSON object"),
        (b'{"type": "Bundle!", "objects": []}', "“type” is “Bundle!”"),
        (b'{"type": "campaign", "id": "campaign--1"}', "“id”"),
        (b'{"type": "bundle", "id": "bundle--x"}', "no “objects”"),
        (b'{"type": "bundle", "objects": [{"type": ', "not valid JSON"),
        (b"\xff\xfe garbage", "does not start with a JSON object"),
    ],
)
def test_files_that_are_not_bundles_are_refused_clearly(personas: Personas, data, words):
    result = run(data, labels_for(personas))
    assert result.added == 0
    assert len(result.failures) == 1
    assert words in result.failures[0].message


def test_truncated_file_keeps_the_objects_before_the_break(personas: Personas):
    data = bundle(indicator(), indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd45"))
    result = run(data[: data.rindex(b"indicator--8e2e") + 5], labels_for(personas))
    assert result.added == 1
    assert "after 1 object(s)" in result.failures[-1].message


def test_oversized_bundle_is_refused_whole(personas: Personas):
    objects = [indicator(f"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3c{n:03d}") for n in range(5)]
    result = run(bundle(*objects), labels_for(personas), max_objects=3)
    assert result.added == 0
    assert "more than 3 objects" in result.failures[0].message
    assert not StixObject.objects.exists()
    assert run(bundle(*objects), labels_for(personas), max_objects=5).added == 5


def test_simple_indicators_become_indicators_of_the_store(personas: Personas):
    objects = [
        indicator(),
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd46",
                  pattern="[file:hashes.'SHA-256' = '" + "ab" * 32 + "']"),
        indicator("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd47",
                  pattern="[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.test']"),
    ]  # fmt: skip
    result = import_objects(objects, labels_for(personas), source="t")
    assert result.indicators_derived == 2
    assert sorted(Indicator.objects.values_list("type", "value")) == [
        ("ip", "198.51.100.7"),
        ("sha256", "ab" * 32),
    ]
    indicator_row = Indicator.objects.get(type="ip")
    assert indicator_row.source_ref == IND_ID
    assert indicator_row.tlp == TLP.GREEN


def test_stix_2_0_bundle_with_tlp1_marking_definition(personas: Personas):
    """STIX 2.0: objects carry no spec_version, the bundle does; markings are TLP 1.0."""
    marking = {
        "type": "marking-definition",
        "id": TLP1_AMBER,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "amber"},
    }
    campaign = {
        "type": "campaign",
        "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd50",
        "created": "2016-04-06T20:03:00.000Z",
        "modified": "2016-04-06T20:03:00.000Z",
        "name": "Green Group Attacks Against Finance",
        "object_marking_refs": [TLP1_AMBER],
    }
    data = json.dumps(
        {"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd51",
         "spec_version": "2.0", "objects": [marking, campaign]}
    ).encode()  # fmt: skip
    result = run(data, labels_for(personas, TLP.CLEAR, "public"))
    assert (result.added, result.failures, result.pending_references) == (2, [], 0)
    stored = {o.type: o for o in StixObject.objects.all()}
    assert stored["campaign"].spec_version == "2.0"
    assert (stored["campaign"].tlp, stored["campaign"].distribution) == (TLP.AMBER, "organization")
    assert (stored["marking-definition"].tlp, stored["marking-definition"].distribution) == (
        TLP.CLEAR,
        "public",
    )


def test_versions_inside_one_batch_leave_one_latest(personas: Personas):
    versions = [indicator(modified=f"2024-0{month}-01T00:00:00.000Z") for month in (3, 1, 2)]
    result = run(bundle(*versions), labels_for(personas))
    assert result.added == 3
    latest = StixObject.objects.get(is_latest=True)
    assert latest.version.month == 3
