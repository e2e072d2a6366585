"""The STIX 2.1 exporter: every kind of object passes the OASIS validator, ids are stable, TLP
markings are the official ones, and odd values give no broken object."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_string

from siaga.core.observables import ObservableType, normalize, value_key
from siaga.incidents.actions import check_create_incident
from siaga.incidents.actions.casework import check_add_observable
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.stix import exporter

pytestmark = pytest.mark.django_db

# Warnings we accept, by the validator's check code; any other warning fails the test.
ACCEPTED_WARNINGS: dict[str, str] = {
    # "SDOs SHOULD use UUIDv4": identities, incidents, relationships and public reference objects
    # get deterministic UUIDv5 ids on purpose, so that repeated exports agree (the brief asks for
    # it; STIX 2.1 section 2.9 allows any UUID, v4 is a SHOULD).
    "{103}": "deterministic UUIDv5 ids",
}


# --- Helpers shared by the export and publish tests ---------------------------------------------


def make_indicator(organization: Any, kind: str, value: str, **fields: Any) -> Indicator:
    canonical = normalize(kind, value)
    fields.setdefault("tlp", TLP.GREEN)
    fields.setdefault("distribution", Distribution.CONSTITUENTS)
    return Indicator.objects.create(
        organization=organization,
        type=kind,
        value=canonical,
        value_key=value_key(kind, canonical),
        **fields,
    )


def make_sighting(indicator: Indicator, organization: Any, **fields: Any) -> Sighting:
    fields.setdefault("tlp", TLP.GREEN)
    fields.setdefault("distribution", Distribution.CONSTITUENTS)
    return Sighting.objects.create(indicator=indicator, organization=organization, **fields)


def validation_problems(document: dict[str, Any] | str) -> list[str]:
    """The validator's errors, and its warnings that are not accepted, as text."""
    text = document if isinstance(document, str) else json.dumps(document)
    result = validate_string(text, ValidationOptions(version="2.1", strict=False))
    problems = [f"error: {error}" for error in result.errors]
    problems += [
        f"warning: {warning}"
        for warning in result.warnings
        if not any(code in str(warning) for code in ACCEPTED_WARNINGS)
    ]
    return problems


def full_incident(personas: Any, **fields: Any) -> Any:
    """An incident with every field the exporter reads filled in."""
    data: dict[str, Any] = {
        "title": "Ransomware at RSUD Sehat",
        "description": "LockBit encrypted the SIMRS database.",
        "rsit_class": "malicious-code",
        "rsit_type": "infected-system",
        "patient_safety": 3,
        "service_disruption": 3,
        "records_affected": 2,
        "spread": 1,
        "tlp": TLP.AMBER,
        "affected_constituents": [personas.orgs.hospital.pk],
    }
    data.update(fields)
    incident = check_create_incident(personas.cert_analyst, data)
    incident.detected_at = timezone.now() - timedelta(days=2)
    incident.save()
    analyst = personas.cert_analyst
    for kind, value in [
        ("ip", "203.0.113.5"),
        ("ip", "2001:db8::1"),
        ("cidr", "198.51.100.0/24"),
        ("domain", "evil.example"),
        ("url", "https://evil.example/pay?x='1'"),
        ("email", "ransom@evil.example"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("filename", "lockbit.exe"),
        ("cve", "CVE-2023-4966"),
        ("asn", "AS64496"),
        ("other", "mutex Global\\lb3"),
    ]:
        check_add_observable(analyst, incident, type=kind, value=value)
    return incident


# --- Markings -------------------------------------------------------------------------------------


OFFICIAL_TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


@pytest.mark.parametrize("tlp", TLP.values)
def test_marking_definitions_are_the_official_tlp2_objects(tlp: str) -> None:
    definition = exporter.tlp_marking_definition(tlp)
    assert definition["id"] == OFFICIAL_TLP2[tlp] == TLP2_MARKING_IDS[tlp]
    assert definition["name"] == f"TLP:{tlp.upper()}"
    assert definition["created"] == "2022-10-01T00:00:00.000Z"
    assert definition["extensions"] == {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension",
            "tlp_2_0": tlp,
        }
    }
    assert validation_problems(exporter.bundle([definition])) == []


# --- Indicators ----------------------------------------------------------------------------------


PATTERNS = [
    ("ip", "192.0.2.1", "[ipv4-addr:value = '192.0.2.1']"),
    ("ip", "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
    ("cidr", "192.0.2.0/24", "[ipv4-addr:value = '192.0.2.0/24']"),
    ("cidr", "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"),
    ("domain", "evil.example", "[domain-name:value = 'evil.example']"),
    ("url", "http://evil.example/a'b", "[url:value = 'http://evil.example/a\\'b']"),
    ("email", "x@evil.example", "[email-addr:value = 'x@evil.example']"),
    (
        "md5",
        "D41D8CD98F00B204E9800998ECF8427E",
        "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']",
    ),
    (
        "sha1",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    ),
    (
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "[file:hashes.'SHA-256' = "
        "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ),
    ("filename", "invoice.pdf.exe", "[file:name = 'invoice.pdf.exe']"),
    ("asn", "AS64496", "[autonomous-system:number = 64496]"),
]


@pytest.mark.parametrize(("kind", "value", "pattern"), PATTERNS)
def test_indicator_pattern_from_type_and_value(
    orgs: Any, kind: str, value: str, pattern: str
) -> None:
    indicator = make_indicator(orgs.hospital, kind, value, tlp=TLP.AMBER)
    objects = exporter.indicator_to_stix(indicator)
    sdo = next(obj for obj in objects if obj["type"] == "indicator")
    assert sdo["pattern"] == pattern
    assert sdo["pattern_type"] == "stix"
    assert sdo["id"] == f"indicator--{indicator.uuid}"
    assert sdo["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.AMBER]]
    assert validation_problems(exporter.bundle(objects)) == []


def test_indicator_with_every_field(orgs: Any) -> None:
    now = timezone.now()
    indicator = make_indicator(
        orgs.hospital,
        "domain",
        "c2.evil.example",
        tlp=TLP.RED,
        distribution=Distribution.ORGANIZATION,
        description="LockBit C2",
        first_seen=now - timedelta(days=3),
        valid_until=now + timedelta(days=30),
        confidence=85,
        tags=["ransomware", "malware:LockBit", 'misp-galaxy:mitre-malware="Emotet - S0367"', ""],
        attack_techniques=["T1486", "t1566.001", "not-a-technique"],
    )
    objects = exporter.indicator_to_stix(indicator)
    sdo = next(obj for obj in objects if obj["type"] == "indicator")
    assert sdo["confidence"] == 85
    assert sdo["labels"] == [
        "ransomware",
        "malware:LockBit",
        'misp-galaxy:mitre-malware="Emotet - S0367"',
    ]
    assert sdo["valid_from"] < sdo["valid_until"]
    assert sdo["created_by_ref"] == exporter.identity_for(orgs.hospital)["id"]
    patterns = {obj["name"] for obj in objects if obj["type"] == "attack-pattern"}
    assert patterns == {"T1486", "T1566.001"}
    assert {obj["name"] for obj in objects if obj["type"] == "malware"} == {"LockBit", "Emotet"}
    relationships = [obj for obj in objects if obj["type"] == "relationship"]
    assert len(relationships) == 4
    assert {r["relationship_type"] for r in relationships} == {"indicates"}
    # The relationships carry the indicator's TLP:RED; the public ATT&CK entries TLP:CLEAR.
    assert all(r["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.RED]] for r in relationships)
    technique = next(obj for obj in objects if obj["type"] == "attack-pattern")
    assert technique["external_references"][0]["source_name"] == "mitre-attack"
    document = exporter.bundle(objects)
    marking_ids = {obj["id"] for obj in document["objects"] if obj["type"] == "marking-definition"}
    assert marking_ids == {TLP2_MARKING_IDS[TLP.RED], TLP2_MARKING_IDS[TLP.CLEAR]}
    assert validation_problems(document) == []


def test_imported_pattern_is_kept_and_an_invalid_one_replaced(orgs: Any) -> None:
    pattern = "[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'evil.example']"
    kept = make_indicator(orgs.hospital, "ip", "192.0.2.1", pattern=pattern)
    assert exporter.indicator_to_stix(kept)[1]["pattern"] == pattern
    broken = make_indicator(orgs.hospital, "ip", "192.0.2.2", pattern="[ipv4-addr:value = ")
    assert exporter.indicator_to_stix(broken)[1]["pattern"] == "[ipv4-addr:value = '192.0.2.2']"


def test_cve_indicator_becomes_a_vulnerability(orgs: Any) -> None:
    indicator = make_indicator(orgs.hospital, "cve", "cve-2021-44228")
    objects = exporter.indicator_to_stix(indicator)
    vulnerability = next(obj for obj in objects if obj["type"] == "vulnerability")
    assert vulnerability["name"] == "CVE-2021-44228"
    assert vulnerability["external_references"][0] == {
        "source_name": "cve",
        "external_id": "CVE-2021-44228",
    }
    assert validation_problems(exporter.bundle(objects)) == []


def test_other_indicator_without_pattern_is_left_out(orgs: Any) -> None:
    indicator = make_indicator(orgs.hospital, "other", "a registry key")
    assert exporter.indicator_to_stix(indicator) == []


def test_ids_are_stable_across_runs(orgs: Any) -> None:
    indicator = make_indicator(
        orgs.hospital, "ip", "192.0.2.9", attack_techniques=["T1059"], tags=["malware:Qakbot"]
    )
    first = exporter.indicator_to_stix(indicator)
    exporter.local_namespace.cache_clear()
    again = exporter.indicator_to_stix(Indicator.objects.get(pk=indicator.pk))
    assert [obj["id"] for obj in first] == [obj["id"] for obj in again]
    assert first == again
    # Reference objects: the same id in any installation (fixed namespace).
    assert exporter.attack_pattern_for("T1059") == exporter.attack_pattern_for("t1059")
    ap = exporter.attack_pattern_for("T1059")
    assert ap is not None
    assert ap["id"] == "attack-pattern--" + str(
        uuid.uuid5(exporter.REFERENCE_NAMESPACE, "attack-pattern/T1059")
    )


def test_identity_is_deterministic_and_valid(orgs: Any) -> None:
    identity = exporter.identity_for(orgs.hospital)
    assert identity == exporter.identity_for(orgs.hospital)
    assert identity["id"] != exporter.identity_for(orgs.other_hospital)["id"]
    assert identity["sectors"] == ["healthcare"]
    assert exporter.identity_for(orgs.cert)["sectors"] == ["government"]
    assert validation_problems(exporter.bundle([identity])) == []


# --- Sightings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("false_positive", [False, True])
def test_sighting(orgs: Any, false_positive: bool) -> None:
    indicator = make_indicator(orgs.agency, "ip", "192.0.2.44")
    now = timezone.now()
    sighting = make_sighting(
        indicator,
        orgs.hospital,
        tlp=TLP.AMBER_STRICT,
        distribution=Distribution.ORGANIZATION,
        count=7,
        first_seen=now - timedelta(hours=5),
        last_seen=now,
        where="firewall",
        note="blocked",
        is_false_positive=false_positive,
    )
    objects = exporter.sighting_to_stix(sighting)
    sro = objects[-1]
    assert sro["sighting_of_ref"] == indicator.stix_id
    assert sro["where_sighted_refs"] == [exporter.identity_for(orgs.hospital)["id"]]
    assert sro["count"] == 7
    assert sro["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.AMBER_STRICT]]
    assert ("labels" in sro) is false_positive
    assert (
        validation_problems(exporter.bundle(objects + exporter.indicator_to_stix(indicator))) == []
    )


# --- Incidents -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tlp", [TLP.RED, TLP.AMBER, TLP.AMBER_STRICT, TLP.GREEN, TLP.CLEAR])
def test_realistic_incident_validates(personas: Any, tlp: str) -> None:
    incident = full_incident(personas, tlp=tlp)
    objects = exporter.incident_to_stix(incident)
    document = exporter.bundle(objects)
    assert validation_problems(document) == []
    sdo = next(obj for obj in objects if obj["type"] == "incident")
    assert sdo["object_marking_refs"] == [TLP2_MARKING_IDS[tlp]]
    extension = sdo["extensions"][exporter.INCIDENT_CORE_EXTENSION]
    assert extension["extension_type"] == "property-extension"
    assert extension["determination"] == "suspected"
    assert extension["investigation_status"] == "new"
    assert extension["criticality"] == exporter.CRITICALITY[incident.priority]
    assert extension["incident_types"] == ["infected-system"]
    assert [score["value"] for score in extension["scores"]] == [3, 3, 2, 1]
    assert sdo["labels"][:2] == ["rsit:malicious-code", 'rsit:malicious-code="infected-system"']
    types = {obj["type"] for obj in document["objects"]}
    assert types >= {
        "incident",
        "identity",
        "observed-data",
        "ipv4-addr",
        "ipv6-addr",
        "domain-name",
        "url",
        "email-addr",
        "file",
        "autonomous-system",
        "vulnerability",
        "relationship",
        "marking-definition",
    }
    observed = next(obj for obj in objects if obj["type"] == "observed-data")
    assert len(observed["object_refs"]) == 11  # 12 observables, less the CVE and the "other"
    # The affected hospital is not named in what is shared.
    names = {obj.get("name") for obj in document["objects"]}
    assert personas.orgs.hospital.name not in names


def test_incident_closed_as_false_positive(personas: Any) -> None:
    incident = full_incident(personas)
    incident.status, incident.closure_reason = "closed", "false_positive"
    extension = exporter.incident_core_extension(incident)
    assert extension["determination"] == "false-positive"
    assert extension["investigation_status"] == "closed"


def test_incident_with_attack_techniques(personas: Any) -> None:
    incident = full_incident(personas)
    incident.attack_techniques = ["T1486", "T1190"]  # when the incidents app records them
    objects = exporter.incident_to_stix(incident)
    assert {obj["name"] for obj in objects if obj["type"] == "attack-pattern"} == {
        "T1486",
        "T1190",
    }
    assert validation_problems(exporter.bundle(objects)) == []


def test_cyber_observable_ids_follow_the_specification(personas: Any) -> None:
    incident = full_incident(personas)
    objects = exporter.incident_to_stix(incident)
    ip = next(obj for obj in objects if obj.get("value") == "203.0.113.5")
    # UUIDv5 in the SCO namespace of STIX 2.1 over the canonical {"value": ...}.
    expected = uuid.uuid5(
        uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"value":"203.0.113.5"}'
    )
    assert ip["id"] == f"ipv4-addr--{expected}"
    second = exporter.incident_to_stix(incident)
    assert [obj["id"] for obj in objects] == [obj["id"] for obj in second]


def test_minimal_incident_validates(personas: Any) -> None:
    incident = check_create_incident(personas.cert_analyst, {"title": "Phishing"})
    assert validation_problems(exporter.bundle(exporter.incident_to_stix(incident))) == []


# --- Bundles -------------------------------------------------------------------------------------


def test_bundle_dedupes_and_keeps_the_more_restrictive_copy(personas: Any) -> None:
    green = full_incident(personas, tlp=TLP.GREEN, title="Green one")
    red = check_create_incident(personas.cert_analyst, {"title": "Red one", "tlp": TLP.RED})
    check_add_observable(personas.cert_analyst, red, type="ip", value="203.0.113.5")
    objects = exporter.incident_to_stix(green) + exporter.incident_to_stix(red)
    document = exporter.bundle(objects)
    ids = [obj["id"] for obj in document["objects"]]
    assert len(ids) == len(set(ids))
    ip = next(obj for obj in document["objects"] if obj.get("value") == "203.0.113.5")
    assert ip["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.RED]]
    assert validation_problems(document) == []


def test_streamed_bundle_is_valid_json_with_markings(personas: Any, orgs: Any) -> None:
    indicators = [
        make_indicator(orgs.hospital, "ip", f"192.0.2.{n}", tlp=tlp, attack_techniques=["T1071"])
        for n, tlp in enumerate([TLP.GREEN, TLP.AMBER, TLP.CLEAR], start=1)
    ]
    objects = (obj for indicator in indicators for obj in exporter.indicator_to_stix(indicator))
    out = io.StringIO()
    exporter.write_bundle(objects, out)
    document = json.loads(out.getvalue())
    ids = [obj["id"] for obj in document["objects"]]
    assert len(ids) == len(set(ids))  # identity and attack-pattern once
    markings = {obj["id"] for obj in document["objects"] if obj["type"] == "marking-definition"}
    assert markings == {TLP2_MARKING_IDS[t] for t in (TLP.GREEN, TLP.AMBER, TLP.CLEAR)}
    assert validation_problems(out.getvalue()) == []


def test_streamed_bundle_copies_raw_objects_verbatim() -> None:
    identity_id = "identity--0c1d0e6e-2a9d-4e55-8e0c-2f7f6a0c3a8b"
    stamp = "2024-01-01T00:00:00.000Z"
    raw = json.dumps(
        {"type": "identity", "spec_version": "2.1", "id": identity_id, "created": stamp}
        | {"modified": stamp, "name": "X"}
    )
    text = "".join(exporter.iter_bundle([exporter.RawObject(identity_id, raw, "green")]))
    assert raw in text
    document = json.loads(text)
    assert [obj["type"] for obj in document["objects"]] == ["identity", "marking-definition"]


def test_empty_bundle_is_valid() -> None:
    document = json.loads("".join(exporter.iter_bundle([])))
    assert document["objects"] == []


# --- Odd values never give an invalid object (property tests) --------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(min_size=1, max_size=80).filter(lambda text: text.strip()),
    kind=st.sampled_from([ObservableType.FILENAME, ObservableType.OTHER]),
)
def test_any_file_name_gives_a_valid_pattern(value: str, kind: str) -> None:
    pattern = exporter.pattern_for(kind, value)
    if kind == ObservableType.OTHER:
        assert pattern is None
        return
    from stix2patterns.validator import validate

    assert pattern is not None
    assert validate(pattern, stix_version="2.1"), pattern


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20))
def test_odd_technique_and_cve_ids_are_refused_quietly(text: str) -> None:
    technique = exporter.attack_pattern_for(text)
    assert technique is None or exporter.TECHNIQUE_ID.fullmatch(technique["name"])
    vulnerability = exporter.vulnerability_for(text)
    assert vulnerability is None or exporter.CVE_ID.fullmatch(vulnerability["name"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=5))
def test_odd_tags_give_valid_labels_and_malware(tags: list[str]) -> None:
    labels = exporter._clean_labels(tags)
    assert all(label and label == label.strip() for label in labels)
    for malware in exporter._malware(tags):
        assert malware["name"].strip()
        assert malware["is_family"] is True
