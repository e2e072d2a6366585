"""Reading MISP event JSON: the fields Siaga uses, and malformed input always a clear error."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.integrations.misp.mapping import rsit_of, split_value, tlp_of
from siaga.integrations.misp.parser import (
    MispEvent,
    MispFormatError,
    attack_ids,
    load_event_bytes,
    parse_event,
)
from siaga.integrations.misp.tests.helpers import FIXTURES, event_document

RAW = (FIXTURES / "event.json").read_bytes().rstrip()


def test_the_fixture_event_reads_completely() -> None:
    event = load_event_bytes(RAW)
    assert event.orgc == "CIRCL"
    assert event.distribution == 1
    assert event.timestamp == datetime.fromtimestamp(1741600000, tz=UTC)
    assert len(event.attributes) == 19  # 16 attributes and the 3 of the file object
    assert 'misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"' in event.tags
    first = event.attributes[0]
    assert (first.type, first.value, first.to_ids) == ("ip-dst", "203.0.113.10", True)
    assert [s.type for s in first.sightings] == [0, 0, 1]
    assert event.attributes[-1].object_name == "file"


def test_a_bare_event_object_is_accepted() -> None:
    assert parse_event(event_document()["Event"]).info.startswith("Phishing")


def test_event_level_sightings_go_to_their_attribute() -> None:
    document = event_document()
    document["Event"]["Sighting"] = [
        {"attribute_uuid": "a0000001-0000-4000-8000-000000000003", "type": "0", "date_sighting": 1}
    ]
    event = parse_event(document)
    url = next(a for a in event.attributes if a.type == "url")
    assert len(url.sightings) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("uuid"), "Event.uuid: expected a UUID"),
        (lambda e: e.update(Attribute={}), "Event.Attribute: expected a list"),
        (lambda e: e["Attribute"][2].update(timestamp="yesterday"), "Attribute[2].timestamp"),
        (lambda e: e["Attribute"][0].update(to_ids="maybe"), "Attribute[0].to_ids"),
        (lambda e: e["Attribute"][0].update(distribution="9"), "Attribute[0].distribution"),
        (lambda e: e["Attribute"][0]["Sighting"][0].update(type="7"), "Sighting[0].type"),
        (lambda e: e["Object"][0]["Attribute"][0].pop("value"), "Object[0].Attribute[0].value"),
        (lambda e: e.update(Tag=[{"name": 5}]), "Event.Tag[0].name"),
    ],
)
def test_malformed_fields_are_named(change: Any, message: str) -> None:
    document = event_document()
    change(document["Event"])
    with pytest.raises(MispFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_event(document)


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(MispFormatError, match="not valid JSON"):
        load_event_bytes(b"{'Event': ")


def test_composite_values_split() -> None:
    assert [(p.type, p.value) for p in split_value("domain|ip", "a.example|192.0.2.1")] == [
        ("domain", "a.example"),
        ("ip", "192.0.2.1"),
    ]
    assert [(p.type, p.value) for p in split_value("ip-dst|port", "192.0.2.1|443")] == [
        ("ip", "192.0.2.1")
    ]
    assert split_value("ip-src", "192.0.2.0/24")[0].type == "cidr"
    assert split_value("regkey", "HKCU\\x") is None


def test_tags_to_labels() -> None:
    assert tlp_of(["TLP:WHITE"]) == "clear"
    assert tlp_of(["tlp:green", "tlp:amber+strict"]) == "amber+strict"  # the stricter one
    assert tlp_of(["tlp:ex:chr"]) is None
    assert rsit_of(['rsit:fraud="phishing"']) == "phishing"
    assert rsit_of(['rsit:fraud="unauthorized-use-of-resources"']) == (
        "unauthorised-use-of-resources"
    )
    assert rsit_of(['rsit:fraud="made-up"']) == ""
    assert attack_ids(['misp-galaxy:mitre-attack-pattern="Phishing - T1566"', "T1000"]) == ["T1566"]


# --- Property tests: whatever arrives, a MispEvent or a MispFormatError -----------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "uuid",
    "info",
    "date",
    "timestamp",
    "distribution",
    "Tag",
    "Attribute",
    "Object",
    "Galaxy",
    "Sighting",
    "Orgc",
    "SharingGroup",
    "threat_level_id",
    "analysis",
]
ATTRIBUTE_KEYS = [
    "uuid",
    "type",
    "value",
    "to_ids",
    "distribution",
    "timestamp",
    "first_seen",
    "last_seen",
    "Tag",
    "Sighting",
    "comment",
    "category",
]


def _parse_or_clear_error(document: Any) -> None:
    try:
        event = parse_event(document)
    except MispFormatError as exc:
        message = str(exc)
        assert message  # a clear error says what is wrong
    else:
        assert isinstance(event, MispEvent)


@given(json_values)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_random_json_never_crashes(document: Any) -> None:
    _parse_or_clear_error(document)


@given(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
@settings(max_examples=200)
def test_random_event_fields_never_crash(fields: dict[str, Any]) -> None:
    _parse_or_clear_error({"Event": fields})


@given(
    st.lists(st.dictionaries(st.sampled_from(ATTRIBUTE_KEYS), json_values, max_size=10), max_size=4)
)
@settings(max_examples=200)
def test_random_attributes_never_crash(attributes: list[dict[str, Any]]) -> None:
    document = event_document()
    document["Event"]["Attribute"] = attributes
    _parse_or_clear_error(document)


@given(st.integers(min_value=0, max_value=len(RAW) - 1))
@settings(max_examples=100)
def test_truncated_files_are_a_clear_error(cut: int) -> None:
    with pytest.raises(MispFormatError):
        load_event_bytes(RAW[:cut])


@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(MispFormatError):
        load_event_bytes(data)


def test_fixture_roundtrips_through_json() -> None:
    assert parse_event(json.loads(RAW)) == load_event_bytes(RAW)
