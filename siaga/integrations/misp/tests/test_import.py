"""Importing a realistic MISP event: mapping of types, labels, tags, galaxies and sightings;
re-import is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from siaga.core.testing import Personas
from siaga.integrations.misp.actions import check_import_event, do_import
from siaga.integrations.misp.models import MispImportRecord
from siaga.integrations.misp.parser import parse_event
from siaga.integrations.misp.tests.helpers import (
    EVENT_UUID,
    defaults_for,
    event_document,
    small_event,
)
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember

pytestmark = pytest.mark.django_db


def _import(personas: Personas, document: Any = None) -> Any:
    defaults = defaults_for(personas.orgs.cert, personas.cert_analyst)
    return check_import_event(personas.cert_analyst, document or event_document(), defaults)


def _by_value(value: str) -> Indicator:
    return Indicator.objects.get(value=value)


def test_every_supported_attribute_becomes_an_indicator(personas: Personas) -> None:
    result = _import(personas)
    values = set(Indicator.objects.values_list("type", "value"))
    assert values == {
        ("ip", "203.0.113.10"),
        ("domain", "evil-login.example"),
        ("url", "https://evil-login.example/portal/login.php"),
        ("email", "billing@evil-login.example"),
        ("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        ("filename", "invoice_march.pdf.exe"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("domain", "cdn.evil-files.example"),
        ("ip", "198.51.100.7"),
        ("ip", "192.0.2.55"),
        ("cve", "CVE-2023-23397"),
        ("asn", "AS64500"),
        ("md5", "0cc175b9c0f1b6a831c399e269772661"),
        ("ip", "198.51.100.200"),
        ("sha1", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"),
        ("filename", "updater.dll"),
    }
    assert result.created == 16
    assert result.events == [
        f"{EVENT_UUID}: Phishing campaign against hospital staff (invoice lure)"
    ]
    assert all(i.organization_id == personas.orgs.cert.pk for i in Indicator.objects.all())
    assert all(i.source_kind == "misp" for i in Indicator.objects.all())


def test_unsupported_and_invalid_attributes_are_listed_not_dropped(personas: Personas) -> None:
    result = _import(personas)
    assert dict(result.not_imported) == {
        "comment": 1,
        "hostname": 1,
        "regkey": 1,
        "size-in-bytes": 1,
        "text": 1,
    }
    assert "not imported: type text (1)" in result.not_imported_lines
    assert len(result.problems) == 1
    assert "not a host name!" in result.problems[0]


def test_tlp_from_tags_and_distribution_narrowed_by_tlp(personas: Personas) -> None:
    _import(personas)
    ip = _by_value("203.0.113.10")  # event tlp:green, event distribution 1 (community)
    assert (ip.tlp, ip.distribution) == (TLP.GREEN, Distribution.CONSTITUENTS)
    domain = _by_value("evil-login.example")  # attribute tlp:amber overrides the event's
    assert (domain.tlp, domain.distribution) == (TLP.AMBER, Distribution.ORGANIZATION)
    own = _by_value("0cc175b9c0f1b6a831c399e269772661")  # distribution 0
    assert own.distribution == Distribution.ORGANIZATION
    # A sharing group MISP names that Siaga does not know: the source organization only.
    assert _by_value("198.51.100.200").distribution == Distribution.ORGANIZATION


def test_misp_sharing_group_maps_by_name(personas: Personas) -> None:
    group = SharingGroup.objects.create(name="Hospitals of Jakarta", owner=personas.orgs.cert)
    SharingGroupMember.objects.create(sharing_group=group, organization=personas.orgs.hospital)
    _import(personas)
    scanner = _by_value("198.51.100.200")
    assert (scanner.distribution, scanner.sharing_group_id) == (
        Distribution.SHARING_GROUP,
        group.pk,
    )


def test_tags_rsit_and_attack_techniques(personas: Personas) -> None:
    _import(personas)
    url = _by_value("https://evil-login.example/portal/login.php")
    assert "PAP:AMBER" in url.tags
    assert "misp-orgc:CIRCL" in url.tags
    assert 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"' in url.tags
    assert not [t for t in url.tags if t.lower().startswith("tlp:")]
    assert url.rsit == "phishing"
    assert url.attack_techniques == ["T1566", "T1566.001"]
    assert _by_value("203.0.113.10").rsit == "c2-server"  # the attribute's tag wins
    assert "misp-object:file" in _by_value("updater.dll").tags


def test_to_ids_seen_times_and_source_ref(personas: Personas) -> None:
    _import(personas)
    ip = _by_value("203.0.113.10")
    assert ip.alerting is True
    assert _by_value("billing@evil-login.example").alerting is False
    assert ip.first_seen == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert ip.last_seen >= datetime(2025, 3, 9, 17, 30, tzinfo=UTC)
    assert ip.source_ref == (
        f"MISP event {EVENT_UUID}: Phishing campaign against hospital staff (invoice lure)"
    )
    assert ip.description == "C2 server"


def test_sightings_false_positives_and_expiration(personas: Personas) -> None:
    result = _import(personas)
    ip = _by_value("203.0.113.10")
    assert result.sightings == 3
    assert (ip.sighting_count, ip.false_positive_count) == (2, 1)
    rows = Sighting.objects.filter(indicator=ip)
    assert rows.count() == 3
    assert rows.filter(is_false_positive=True).count() == 1
    assert {r.where for r in rows} == {"hospital-ids", "Test CSIRT", "analyst"}
    assert all(r.tlp == TLP.GREEN for r in rows)
    expiring = _by_value("0cc175b9c0f1b6a831c399e269772661")
    assert expiring.valid_until == datetime(2026, 1, 1, tzinfo=UTC)


def test_reimport_is_idempotent(personas: Personas) -> None:
    _import(personas)
    before = (Indicator.objects.count(), Sighting.objects.count(), MispImportRecord.objects.count())
    result = _import(personas)
    after = (Indicator.objects.count(), Sighting.objects.count(), MispImportRecord.objects.count())
    assert before == after == (16, 3, 16)  # one record per value, composite ones give two
    # MISP has not touched the attributes since: nothing to write but the check.
    assert (result.created, result.updated, result.unchanged, result.sightings) == (0, 0, 16, 0)
    ip = _by_value("203.0.113.10")
    assert (ip.sighting_count, ip.false_positive_count) == (2, 1)


def test_reimport_of_a_changed_event_updates(personas: Personas) -> None:
    _import(personas)
    document = event_document()
    attribute = document["Event"]["Attribute"][0]
    # MISP moves the timestamps of what it changes: the attribute's and the event's.
    attribute["last_seen"] = "2025-06-01T00:00:00+00:00"
    attribute["timestamp"] = "1748736000"
    document["Event"]["timestamp"] = "1748736000"
    result = _import(personas, document)
    ip = _by_value("203.0.113.10")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 15)
    assert ip.last_seen == datetime(2025, 6, 1, tzinfo=UTC)


def test_new_sightings_of_unchanged_attributes_are_imported(personas: Personas) -> None:
    _import(personas)
    document = event_document()
    # MISP adds a sighting without touching the attribute's timestamp.
    document["Event"]["Attribute"][0]["Sighting"].append(
        {"type": "0", "date_sighting": "1748736000", "uuid": "b0000001-0000-4000-8000-00000000000f"}
    )
    result = _import(personas, document)
    assert (result.unchanged, result.sightings) == (16, 1)
    assert _by_value("203.0.113.10").sighting_count == 3


def test_the_same_event_imported_by_another_organization_is_its_own(personas: Personas) -> None:
    _import(personas)
    defaults = defaults_for(personas.orgs.agency, personas.coord_member)
    result = check_import_event(personas.coord_member, event_document(), defaults)
    assert (result.created, result.unchanged) == (16, 0)
    assert Indicator.objects.filter(organization=personas.orgs.agency).count() == 16
    # Each organization keeps its own records of the event.
    for organization in (personas.orgs.cert, personas.orgs.agency):
        records = MispImportRecord.objects.filter(organization=organization)
        assert records.count() == 16
        assert {r.indicator.organization_id for r in records} == {organization.pk}


def test_records_link_attributes_to_indicators(personas: Personas) -> None:
    _import(personas)
    record = MispImportRecord.objects.get(
        attribute_uuid="a0000001-0000-4000-8000-000000000007", part=1
    )
    assert record.indicator.value == "198.51.100.7"
    assert record.attribute_type == "domain|ip"
    assert str(record.event_uuid) == EVENT_UUID


def test_default_labels_apply_when_the_event_has_none(personas: Personas) -> None:
    document = small_event("7a7a7a7a-0000-4000-8000-000000000000", [("ip-dst", "192.0.2.9")], [])
    document["Event"]["Attribute"][0]["distribution"] = "5"
    document["Event"]["distribution"] = "5"
    defaults = defaults_for(
        personas.orgs.cert, personas.cert_analyst, tlp=TLP.CLEAR, distribution=Distribution.PUBLIC
    )
    check_import_event(personas.cert_analyst, document, defaults)
    ip = _by_value("192.0.2.9")
    assert (ip.tlp, ip.distribution) == (TLP.CLEAR, Distribution.PUBLIC)


def test_tlp_white_means_clear_and_amber_strict_is_kept(personas: Personas) -> None:
    white = small_event(
        "7b7b7b7b-0000-4000-8000-000000000000", [("domain", "w.example")], ["tlp:white"]
    )
    strict = small_event(
        "7c7c7c7c-0000-4000-8000-000000000000", [("domain", "s.example")], ["tlp:amber+strict"]
    )
    for document in (white, strict):
        _import(personas, document)
    assert _by_value("w.example").tlp == TLP.CLEAR
    assert _by_value("s.example").tlp == TLP.AMBER_STRICT


def test_nothing_is_saved_when_a_later_event_is_broken(personas: Personas) -> None:
    good = parse_event(
        small_event("7d7d7d7d-0000-4000-8000-000000000000", [("domain", "g.example")], [])
    )

    def events() -> Any:
        yield good
        yield parse_event({"Event": {"uuid": "nope"}})

    with pytest.raises(Exception, match="uuid"):
        do_import(events(), defaults_for(personas.orgs.cert), label="test")
    assert not Indicator.objects.exists()
    assert not MispImportRecord.objects.exists()


def test_importing_needs_indicator_add_in_an_own_organization(personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        check_import_event(
            personas.constituent_reporter,
            event_document(),
            defaults_for(personas.orgs.hospital, personas.constituent_reporter),
        )
    with pytest.raises(PermissionDenied):  # CERT staff, but not a member of the hospital
        check_import_event(
            personas.cert_analyst,
            event_document(),
            defaults_for(personas.orgs.hospital, personas.cert_analyst),
        )
    assert not Indicator.objects.exists()
