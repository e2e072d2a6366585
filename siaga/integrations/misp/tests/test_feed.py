"""Publishing a MISP feed: only what the audience may see, in the format MISP and PyMISP read."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from pymisp import MISPEvent

from siaga.core.testing import Personas
from siaga.integrations.misp.actions import check_import_event
from siaga.integrations.misp.feed import build_feed
from siaga.integrations.misp.tests.helpers import EVENT_UUID, defaults_for, event_document
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember
from siaga.sharing.visibility import PUBLIC, audience_for_organization

pytestmark = pytest.mark.django_db


def _add(organization: Any, value: str, tlp: str, distribution: str, **extra: Any) -> None:
    do_upsert_indicators(
        [IndicatorInput(type="domain", value=value, tags=["pap:green"])],
        organization=organization,
        tlp=tlp,
        distribution=distribution,
        source_kind="manual",
        **extra,
    )


@pytest.fixture
def store(personas: Personas) -> Personas:
    orgs = personas.orgs
    group = SharingGroup.objects.create(name="Jakarta hospitals", owner=orgs.cert)
    SharingGroupMember.objects.create(sharing_group=group, organization=orgs.hospital)
    _add(orgs.hospital, "hospital-own.example", TLP.AMBER, Distribution.ORGANIZATION)
    _add(orgs.other_hospital, "other-own.example", TLP.AMBER, Distribution.ORGANIZATION)
    _add(orgs.cert, "red.example", TLP.RED, Distribution.ORGANIZATION)
    _add(orgs.cert, "green.example", TLP.GREEN, Distribution.CONSTITUENTS)
    _add(orgs.cert, "clear.example", TLP.CLEAR, Distribution.PUBLIC)
    _add(orgs.cert, "group.example", TLP.AMBER, Distribution.SHARING_GROUP, sharing_group=group)
    check_import_event(
        personas.cert_analyst,
        event_document(),
        defaults_for(orgs.cert, personas.cert_analyst),
    )
    return personas


def _files(audience: Any) -> dict[str, bytes]:
    return dict(build_feed(audience))


def _events(files: dict[str, bytes]) -> dict[str, MISPEvent]:
    events: dict[str, MISPEvent] = {}
    for name, data in files.items():
        if name.endswith(".json") and name != "manifest.json":
            event = MISPEvent()
            event.load(data.decode())
            events[name.removesuffix(".json")] = event
    return events


def _values(events: dict[str, MISPEvent]) -> set[str]:
    return {a.value for e in events.values() for a in e.attributes}


def test_hospital_feed_holds_only_what_the_hospital_may_see(store: Personas) -> None:
    events = _events(_files(audience_for_organization(store.orgs.hospital)))
    values = _values(events)
    assert {"hospital-own.example", "green.example", "clear.example", "group.example"} <= values
    assert "red.example" not in values
    assert "other-own.example" not in values
    # From the MISP event: the community (GREEN) ones, not those narrowed to the CERT itself.
    assert "203.0.113.10" in values
    assert "evil-login.example" not in values  # attribute tlp:amber → the CERT only
    assert "0cc175b9c0f1b6a831c399e269772661" not in values  # MISP distribution 0
    for event in events.values():
        for attribute in event.attributes:
            assert not any(t.name == "tlp:red" for t in attribute.tags)


def test_public_feed_holds_only_public_clear_indicators(store: Personas) -> None:
    assert _values(_events(_files(PUBLIC))) == {"clear.example"}


def test_imported_misp_event_keeps_its_uuids_types_and_tags(store: Personas) -> None:
    events = _events(_files(audience_for_organization(store.orgs.hospital)))
    event = events[EVENT_UUID]
    assert event.uuid == EVENT_UUID
    assert event.info == "Phishing campaign against hospital staff (invoice lure)"
    by_value = {a.value: a for a in event.attributes}
    ip = by_value["203.0.113.10"]
    assert ip.uuid == "a0000001-0000-4000-8000-000000000001"
    assert (ip.type, ip.category, ip.to_ids) == ("ip-dst", "Network activity", True)
    tags = {t.name for t in ip.tags}
    assert {"tlp:green", "PAP:AMBER", 'rsit:malicious-code="c2-server"'} <= tags
    assert 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"' in tags
    assert not any(t.startswith("misp-orgc:") for t in tags)
    assert by_value["billing@evil-login.example"].to_ids is False
    # A part of a composite attribute comes back under its own type.
    assert by_value["198.51.100.7"].type == "ip-dst"
    assert by_value["CVE-2023-23397"].type == "vulnerability"
    assert {t.name for t in event.tags} == {"tlp:green"}


def test_manifest_has_the_feed_generator_structure(store: Personas) -> None:
    files = _files(audience_for_organization(store.orgs.hospital))
    manifest = json.loads(files["manifest.json"])
    events = _events(files)
    assert set(manifest) == set(events)
    for key, entry in manifest.items():
        assert set(entry) == {
            "info",
            "date",
            "analysis",
            "threat_level_id",
            "timestamp",
            "Orgc",
            "Tag",
        }
        assert set(entry["Orgc"]) == {"name", "uuid"}
        assert all("name" in tag and "colour" in tag for tag in entry["Tag"])
        assert entry["timestamp"] == int(events[key].timestamp.timestamp())
        # What PyMISP's own feed generator would write for the same event.
        assert events[key].manifest[key]["info"] == entry["info"]
        assert events[key].manifest[key]["date"] == entry["date"]


def test_hashes_csv_lists_md5_of_every_value_with_its_event(store: Personas) -> None:
    files = _files(audience_for_organization(store.orgs.hospital))
    lines = set(files["hashes.csv"].decode().splitlines())
    expected = {
        f"{h},{key}"
        for key, event in _events(files).items()
        for h in event.attributes_hashes("md5")
    }
    assert lines == expected
    assert f"{hashlib.md5(b'green.example').hexdigest()}" in files["hashes.csv"].decode()  # noqa: S324


def test_own_indicators_are_grouped_per_organization_and_month(store: Personas) -> None:
    files = _files(audience_for_organization(store.orgs.hospital))
    events = _events(files)
    cert_events = [e for k, e in events.items() if k != EVENT_UUID and e.Orgc.name == "Test CERT"]
    assert len(cert_events) == 1
    assert {a.value for a in cert_events[0].attributes} == {
        "green.example",
        "clear.example",
        "group.example",
    }
    # Stable: the same uuids on the next fetch.
    assert set(_events(_files(audience_for_organization(store.orgs.hospital)))) == set(events)


def test_feed_of_an_inactive_organization_is_public_only(store: Personas) -> None:
    store.orgs.hospital.is_active = False
    store.orgs.hospital.save()
    assert _values(_events(_files(audience_for_organization(store.orgs.hospital)))) == {
        "clear.example"
    }
