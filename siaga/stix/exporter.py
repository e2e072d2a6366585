"""Siaga's own objects as STIX 2.1: incidents, indicators, sightings and what they refer to.

Pure functions from model rows to STIX objects (plain dicts, ready for ``json.dumps``), a bundle
builder for small exports and a streaming bundle writer for big ones. Nothing here checks
permissions: callers pass rows already returned by ``Model.objects.restrict(user, "view")``.

Identifiers are deterministic so that exporting the same thing twice gives the same ids:

- cyber observables (SCOs) get the UUIDv5 the STIX 2.1 specification defines from their
  id-contributing properties (computed by the ``stix2`` library);
- public reference objects (ATT&CK techniques, CVEs, malware families) get a UUIDv5 in a fixed
  namespace, so every Siaga installation names them alike;
- objects that only this installation has (organizations, incidents, relationships) get a UUIDv5
  in a namespace derived from ``SITE_URL``, so two installations never collide;
- indicators and sightings keep the ``uuid`` they were stored with.

Markings: every exported object except identities and the public reference objects carries the
TLP 2.0 marking definition of its source row (``object_marking_refs``), and a bundle includes the
marking-definition objects it uses. Identities carry only an organization's name and sector; the
reference objects hold public knowledge and are marked TLP:CLEAR.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import IO, Any

import stix2.v21 as stix2
from django.conf import settings
from stix2.exceptions import STIXError
from stix2patterns.validator import validate as pattern_is_valid

from siaga.core.observables import ObservableType
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, TLP_ORDER

STIX_CONTENT_TYPE = "application/stix+json;version=2.1"
INCIDENT_CORE_EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The TLP 2.0 marking definitions were all published with this creation time.
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

# Fixed namespace of public reference objects (attack patterns, vulnerabilities, malware).
REFERENCE_NAMESPACE = uuid.UUID("5b0a4e54-6a0f-5c8e-9d2c-3f7b1c2a9e10")

TECHNIQUE_ID = re.compile(r"T\d{4}(?:\.\d{3})?")
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")
# Tags that name a malware family: ``malware:Emotet`` and MISP galaxy tags such as
# ``misp-galaxy:malpedia="Emotet"`` or ``misp-galaxy:mitre-malware="Emotet - S0367"``.
MALWARE_TAG = re.compile(
    r'(?:malware:(?P<plain>.+)|misp-galaxy:(?:malpedia|mitre-malware)="(?P<galaxy>[^"]+)")'
)

# Types that several exported objects refer to, so a bundle may meet them more than once.
SHARED_TYPES = frozenset(
    {
        "identity",
        "attack-pattern",
        "malware",
        "vulnerability",
        "marking-definition",
        "extension-definition",
        "ipv4-addr",
        "ipv6-addr",
        "domain-name",
        "url",
        "email-addr",
        "file",
        "autonomous-system",
    }
)

# How important an incident is (Incident Core ``criticality``, 0-100), from its priority.
CRITICALITY = {"P1": 90, "P2": 70, "P3": 40, "P4": 10}
IMPACT_SCORES = (
    ("patient_safety", "Siaga patient-safety impact"),
    ("service_disruption", "Siaga service-disruption impact"),
    ("records_affected", "Siaga records-affected impact"),
    ("spread", "Siaga spread impact"),
)


# --- Small helpers --------------------------------------------------------------------------------


def stix_time(moment: datetime) -> str:
    """A STIX timestamp: UTC, microseconds (the precision the store and TAXII use), ``Z``."""
    # isoformat: several times faster than strftime, which counts in big exports.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@cache
def local_namespace() -> uuid.UUID:
    """The namespace of the ids of this installation's own objects."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/stix")


def local_id(stix_type: str, key: str) -> str:
    return f"{stix_type}--{uuid.uuid5(local_namespace(), f'{stix_type}/{key}')}"


def reference_id(stix_type: str, key: str) -> str:
    return f"{stix_type}--{uuid.uuid5(REFERENCE_NAMESPACE, f'{stix_type}/{key}')}"


def marking_refs(tlp: str) -> list[str]:
    return [TLP2_MARKING_IDS[tlp]]


def tlp_marking_definition(tlp: str) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object (as published by OASIS)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKING_IDS[tlp],
        "created": TLP2_CREATED,
        "name": TLP(tlp).label,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp},
        },
    }


TLP_BY_MARKING_ID = {marking: tlp for tlp, marking in TLP2_MARKING_IDS.items()}


def _common(stix_type: str, stix_id: str, created: datetime, modified: datetime) -> dict[str, Any]:
    return {
        "type": stix_type,
        "spec_version": "2.1",
        "id": stix_id,
        "created": stix_time(created),
        "modified": stix_time(max(created, modified)),
    }


def _pattern_string(value: str) -> str:
    """A value as a STIX pattern string literal: backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _clean_labels(values: Iterable[Any]) -> list[str]:
    labels: list[str] = []
    for value in values:
        text = str(value).strip()
        if text and text not in labels:
            labels.append(text)
    return labels


# --- Identities ----------------------------------------------------------------------------------


def identity_for(organization: Any) -> dict[str, Any]:
    """The identity of an organization; its id depends only on the organization's pk."""
    return dict(
        _identity(
            organization.pk,
            organization.name,
            organization.kind,
            organization.created_at,
            organization.updated_at,
        )
    )


@lru_cache(maxsize=4096)
def identity_id(organization_pk: int) -> str:
    return local_id("identity", f"organization/{organization_pk}")


@lru_cache(maxsize=1024)
def _identity(
    pk: int, name: str, kind: str, created: datetime, updated: datetime
) -> dict[str, Any]:
    # Cached by every property it shows: a renamed organization gets a fresh identity.
    from siaga.organizations.choices import OrganizationKind

    sector = "healthcare" if kind == OrganizationKind.CONSTITUENT else "government"
    identity = _common("identity", identity_id(pk), created, updated)
    identity.update({"name": name, "identity_class": "organization", "sectors": [sector]})
    return identity


# --- Indicators ----------------------------------------------------------------------------------


_HASH_KEYS: dict[str, str] = {
    ObservableType.MD5: "MD5",
    ObservableType.SHA1: "SHA-1",
    ObservableType.SHA256: "SHA-256",
}


def pattern_for(kind: str, value: str) -> str | None:
    """The STIX pattern matching an observable of type ``kind``; None if STIX cannot say it."""
    if kind in (ObservableType.IP, ObservableType.CIDR):
        try:
            version = ipaddress.ip_network(value, strict=False).version
        except ValueError:
            return None
        return f"[ipv{version}-addr:value = {_pattern_string(value)}]"
    if kind == ObservableType.DOMAIN:
        return f"[domain-name:value = {_pattern_string(value)}]"
    if kind == ObservableType.URL:
        return f"[url:value = {_pattern_string(value)}]"
    if kind == ObservableType.EMAIL:
        return f"[email-addr:value = {_pattern_string(value)}]"
    if kind in _HASH_KEYS:
        return f"[file:hashes.'{_HASH_KEYS[kind]}' = {_pattern_string(value.lower())}]"
    if kind == ObservableType.FILENAME:
        return f"[file:name = {_pattern_string(value)}]"
    if kind == ObservableType.ASN:
        number = _asn_number(value)
        return f"[autonomous-system:number = {number}]" if number is not None else None
    return None


def _asn_number(value: str) -> int | None:
    digits = value.upper().removeprefix("AS")
    return int(digits) if digits.isdigit() and int(digits) < 2**32 else None


def _indicator_pattern(indicator: Any) -> str | None:
    # An imported pattern is kept as it came, but only if it is a valid STIX 2.1 pattern.
    if indicator.pattern and pattern_is_valid(indicator.pattern, stix_version="2.1"):
        return str(indicator.pattern)
    return pattern_for(indicator.type, indicator.value)


def indicator_to_stix(indicator: Any) -> list[dict[str, Any]]:
    """The indicator (or, for a CVE, a vulnerability), its source's identity, and the ATT&CK
    techniques and malware families it indicates with their relationships."""
    source = identity_for(indicator.organization)
    if indicator.type == ObservableType.CVE:
        vulnerability = vulnerability_for(indicator.value)
        return [source] + ([vulnerability] if vulnerability else [])
    sdo = indicator_sdo(indicator)
    if sdo is None:
        return []
    objects = [source, sdo]
    markings = sdo["object_marking_refs"]
    for target in _attack_patterns(indicator.attack_techniques) + _malware(indicator.tags):
        objects += [target, relationship(sdo, "indicates", target, markings, source["id"])]
    return objects


def indicator_sdo(indicator: Any) -> dict[str, Any] | None:
    """The indicator object alone; None when STIX has no pattern for it (CVE, "other")."""
    pattern = _indicator_pattern(indicator)
    if pattern is None:
        return None
    sdo = _common("indicator", indicator.stix_id, indicator.created_at, indicator.updated_at)
    sdo.update(
        {
            "created_by_ref": identity_id(indicator.organization_id),
            "name": indicator.value[:250],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stix_time(indicator.first_seen),
            # Name and description should both be present (validator check 303).
            "description": indicator.description or f"{indicator.type} indicator",
            "confidence": indicator.confidence,
            "object_marking_refs": marking_refs(indicator.tlp),
        }
    )
    if indicator.valid_until and indicator.valid_until > indicator.first_seen:
        sdo["valid_until"] = stix_time(indicator.valid_until)
    labels = _clean_labels(indicator.tags or [])
    if labels:
        sdo["labels"] = labels
    return sdo


# --- Reference objects: ATT&CK techniques, vulnerabilities, malware families ----------------------


def attack_pattern_for(technique: str) -> dict[str, Any] | None:
    """An ATT&CK technique (``T1566`` or ``T1566.001``) as an attack-pattern."""
    sdo = _attack_pattern(str(technique).strip().upper())
    return dict(sdo) if sdo is not None else None


@lru_cache(maxsize=4096)
def _attack_pattern(technique: str) -> dict[str, Any] | None:
    if not TECHNIQUE_ID.fullmatch(technique):
        return None
    sdo = _reference("attack-pattern", technique)
    sdo.update(
        {
            "name": technique,
            "external_references": [{"source_name": "mitre-attack", "external_id": technique}],
        }
    )
    return sdo


def vulnerability_for(cve: str) -> dict[str, Any] | None:
    """A CVE as a vulnerability with its ``cve`` external reference."""
    sdo = _vulnerability(str(cve).strip().upper())
    return dict(sdo) if sdo is not None else None


@lru_cache(maxsize=4096)
def _vulnerability(cve: str) -> dict[str, Any] | None:
    if not CVE_ID.fullmatch(cve):
        return None
    sdo = _reference("vulnerability", cve)
    sdo.update(
        {
            "name": cve,
            "external_references": [
                # No URL: the validator wants a hash with every URL (check 302).
                {"source_name": "cve", "external_id": cve}
            ],
        }
    )
    return sdo


def malware_for(name: str) -> dict[str, Any]:
    return dict(_malware_family(name))


@lru_cache(maxsize=4096)
def _malware_family(name: str) -> dict[str, Any]:
    sdo = _reference("malware", name.lower())
    sdo.update({"name": name, "is_family": True})
    return sdo


def _reference(stix_type: str, key: str) -> dict[str, Any]:
    # Public knowledge: a fixed creation time keeps the object identical in every export.
    epoch = datetime(2017, 1, 1, tzinfo=UTC)
    sdo = _common(stix_type, reference_id(stix_type, key), epoch, epoch)
    sdo["object_marking_refs"] = marking_refs(TLP.CLEAR)
    return sdo


def _attack_patterns(techniques: Iterable[Any] | None) -> list[dict[str, Any]]:
    found = (attack_pattern_for(technique) for technique in techniques or [])
    return _unique(sdo for sdo in found if sdo is not None)


def _malware(tags: Iterable[Any] | None) -> list[dict[str, Any]]:
    names = []
    for tag in tags or []:
        match = MALWARE_TAG.fullmatch(str(tag).strip())
        if match:
            name = (match["plain"] or match["galaxy"]).split(" - ")[0].strip()
            if name:
                names.append(malware_for(name))
    return _unique(names)


def _unique(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for obj in objects:
        by_id.setdefault(obj["id"], obj)
    return list(by_id.values())


def relationship(
    source: dict[str, Any],
    relationship_type: str,
    target: dict[str, Any],
    markings: list[str],
    created_by: str | None = None,
) -> dict[str, Any]:
    """A relationship with an id derived from its ends, so it is the same in every export."""
    stix_id = local_id("relationship", f"{source['id']}/{relationship_type}/{target['id']}")
    # Created and changed with its source object.
    sro = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id,
        "created": source["created"],
        "modified": source["modified"],
    }
    sro.update(
        {
            "relationship_type": relationship_type,
            "source_ref": source["id"],
            "target_ref": target["id"],
            "object_marking_refs": markings,
        }
    )
    if created_by:
        sro["created_by_ref"] = created_by
    return sro


# --- Sightings -----------------------------------------------------------------------------------


def sighting_to_stix(sighting: Any) -> list[dict[str, Any]]:
    """The sighting of an indicator, by and at the reporting organization."""
    source = identity_for(sighting.organization)
    sro = _common("sighting", sighting.stix_id, sighting.created_at, sighting.updated_at)
    last_seen = max(sighting.first_seen, sighting.last_seen)
    sro.update(
        {
            "created_by_ref": source["id"],
            "sighting_of_ref": f"indicator--{sighting.indicator.uuid}",
            "where_sighted_refs": [source["id"]],
            "first_seen": stix_time(sighting.first_seen),
            "last_seen": stix_time(last_seen),
            "count": sighting.count,
            "object_marking_refs": marking_refs(sighting.tlp),
        }
    )
    description = " — ".join(part for part in (sighting.where, sighting.note) if part)
    if description:
        sro["description"] = description
    if sighting.is_false_positive:
        sro["labels"] = ["false-positive"]
    return [source, sro]


# --- Incidents -----------------------------------------------------------------------------------


def incident_stix_id(incident: Any) -> str:
    return local_id("incident", incident.reference)


def _determination(incident: Any) -> str:
    if incident.closure_reason == "false_positive":
        return "false-positive"
    if incident.closure_reason == "no_action_needed":
        return "low-value"
    if incident.status in ("new", "triage") or incident.closure_reason == "duplicate":
        return "suspected"
    return "successful-attempt"


def _investigation_status(incident: Any) -> str:
    if incident.status == "new":
        return "new"
    return "closed" if incident.status == "closed" else "open"


def incident_core_extension(incident: Any) -> dict[str, Any]:
    """The Incident Core extension properties Siaga knows for an incident."""
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "determination": _determination(incident),
        "investigation_status": _investigation_status(incident),
        "criticality": CRITICALITY.get(incident.priority, 10),
        "scores": [
            {
                "name": name,
                "value": int(getattr(incident, field)),
                "description": "0 none, 1 low, 2 medium, 3 high",
            }
            for field, name in IMPACT_SCORES
        ],
    }
    if incident.rsit_type:
        extension["incident_types"] = [incident.rsit_type]
    return extension


def _incident_labels(incident: Any) -> list[str]:
    labels = []
    if incident.rsit_class:
        labels.append(f"rsit:{incident.rsit_class}")
    if incident.rsit_class and incident.rsit_type:
        labels.append(f'rsit:{incident.rsit_class}="{incident.rsit_type}"')
    labels.append(f"PAP:{incident.pap.upper()}")
    labels += [f"health:{tag}" for tag in incident.health_tags or []]
    return _clean_labels(labels)


def incident_to_stix(incident: Any, creator: Any | None = None) -> list[dict[str, Any]]:
    """An incident with the Incident Core extension, its observables (as cyber observables in one
    observed-data), the CVEs and ATT&CK techniques it names, and relationships to all of them.

    ``creator`` is the organization to name as the source (by default: the CERT). The affected
    constituents are left out on purpose: a shared incident must not name its victims.
    """
    creator = creator or _cert_organization()
    source = identity_for(creator) if creator is not None else None
    markings = marking_refs(incident.tlp)
    sdo = _common("incident", incident_stix_id(incident), incident.created_at, incident.updated_at)
    sdo.update(
        {
            "name": f"{incident.reference} {incident.title}"[:250],
            "description": incident.description or incident.title,
            "labels": _incident_labels(incident),
            "external_references": [{"source_name": "siaga", "external_id": incident.reference}],
            "object_marking_refs": markings,
            "extensions": {INCIDENT_CORE_EXTENSION: incident_core_extension(incident)},
        }
    )
    objects: list[dict[str, Any]] = []
    if source is not None:
        sdo["created_by_ref"] = source["id"]
        objects.append(source)
    objects.append(sdo)
    by = source["id"] if source else None
    observables = list(incident.observables.all())
    scos = _unique(
        sco for sco in (observable_to_sco(o, incident.tlp) for o in observables) if sco is not None
    )
    if scos:
        observed = observed_data_for(incident, scos, by)
        objects += [*scos, observed, relationship(sdo, "related-to", observed, markings, by)]
    cves = [o.value for o in observables if o.type == ObservableType.CVE]
    vulnerabilities = _unique(v for v in map(vulnerability_for, cves) if v is not None)
    techniques = _attack_patterns(getattr(incident, "attack_techniques", None))
    for target in vulnerabilities + techniques:
        objects += [target, relationship(sdo, "related-to", target, markings, by)]
    return objects


def observed_data_for(incident: Any, scos: list[dict[str, Any]], by: str | None) -> dict[str, Any]:
    """What was observed in an incident, from its detection to its resolution."""
    first = incident.detected_at or incident.reported_at or incident.created_at
    last = max(first, incident.resolved_at or incident.updated_at)
    sdo = _common(
        "observed-data",
        local_id("observed-data", f"incident/{incident.reference}"),
        incident.created_at,
        incident.updated_at,
    )
    sdo.update(
        {
            "first_observed": stix_time(first),
            "last_observed": stix_time(last),
            "number_observed": 1,
            "object_refs": [sco["id"] for sco in scos],
            "object_marking_refs": marking_refs(incident.tlp),
        }
    )
    if by:
        sdo["created_by_ref"] = by
    return sdo


def observable_to_sco(observable: Any, tlp: str) -> dict[str, Any] | None:
    """A cyber observable with the id the specification derives from its contributing
    properties; None for types STIX has no observable for (CVEs become vulnerabilities)."""
    sco = _sco_properties(observable.type, observable.value)
    if sco is None:
        return None
    stix_type, properties = sco
    try:
        stix_id = _SCO_CLASSES[stix_type](**properties).id
    except (ValueError, STIXError):
        return None
    return {
        "type": stix_type,
        "spec_version": "2.1",
        "id": stix_id,
        **properties,
        "object_marking_refs": marking_refs(tlp),
    }


_SCO_CLASSES: dict[str, Any] = {
    "ipv4-addr": stix2.IPv4Address,
    "ipv6-addr": stix2.IPv6Address,
    "domain-name": stix2.DomainName,
    "url": stix2.URL,
    "email-addr": stix2.EmailAddress,
    "file": stix2.File,
    "autonomous-system": stix2.AutonomousSystem,
}


def _sco_properties(kind: str, value: str) -> tuple[str, dict[str, Any]] | None:
    if kind in (ObservableType.IP, ObservableType.CIDR):
        try:
            version = ipaddress.ip_network(value, strict=False).version
        except ValueError:
            return None
        return f"ipv{version}-addr", {"value": value}
    simple: dict[str, str] = {
        ObservableType.DOMAIN: "domain-name",
        ObservableType.URL: "url",
        ObservableType.EMAIL: "email-addr",
    }
    if kind in simple:
        return simple[kind], {"value": value}
    if kind in _HASH_KEYS:
        return "file", {"hashes": {_HASH_KEYS[kind]: value.lower()}}
    if kind == ObservableType.FILENAME:
        return "file", {"name": value}
    if kind == ObservableType.ASN:
        number = _asn_number(value)
        return ("autonomous-system", {"number": number}) if number is not None else None
    return None


def _cert_organization() -> Any:
    from siaga.organizations.choices import OrganizationKind
    from siaga.organizations.models import Organization

    return Organization.objects.filter(kind=OrganizationKind.CERT).order_by("pk").first()


# --- Bundles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawObject:
    """A STIX object already serialized (from the store), written into a bundle as it is."""

    stix_id: str
    json: str
    tlp: str = ""


def _restrictiveness(obj: dict[str, Any]) -> int:
    levels = [TLP_BY_MARKING_ID.get(ref) for ref in obj.get("object_marking_refs", [])]
    return max((TLP_ORDER.index(level) for level in levels if level), default=-1)


def used_markings(objects: Iterable[dict[str, Any]]) -> list[str]:
    found = {ref for obj in objects for ref in obj.get("object_marking_refs", [])}
    return [tlp for tlp, marking in TLP2_MARKING_IDS.items() if marking in found]


def bundle(objects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A bundle of the objects, each id once, with the TLP marking definitions they use.

    When the same id comes twice with different markings (a cyber observable seen in a GREEN and
    in an AMBER incident), the more restrictive copy is kept.
    """
    by_id: dict[str, dict[str, Any]] = {}
    for obj in objects:
        kept = by_id.get(obj["id"])
        if kept is None or _restrictiveness(obj) > _restrictiveness(kept):
            by_id[obj["id"]] = obj
    for tlp in used_markings(list(by_id.values())):
        definition = tlp_marking_definition(tlp)
        by_id.setdefault(definition["id"], definition)
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(by_id.values())}


def iter_bundle(objects: Iterable[dict[str, Any] | RawObject]) -> Iterator[str]:
    """A bundle as JSON text, piece by piece, holding one object at a time.

    Objects of the types several others refer to (identities, reference objects, observables)
    are written once, the first time they come; the others are unique by construction. The
    marking definitions used come last. ``RawObject`` items are copied without parsing.
    """
    yield '{"type": "bundle", "id": "bundle--' + str(uuid.uuid4()) + '", "objects": ['
    seen: set[str] = set()
    tlps: set[str] = set()
    first = True
    for obj in objects:
        if isinstance(obj, RawObject):
            stix_id, text = obj.stix_id, obj.json
            if obj.tlp:
                tlps.add(obj.tlp)
        else:
            stix_id, text = obj["id"], json.dumps(obj, ensure_ascii=False)
            tlps.update(
                TLP_BY_MARKING_ID[ref]
                for ref in obj.get("object_marking_refs", [])
                if ref in TLP_BY_MARKING_ID
            )
        if stix_id.split("--", 1)[0] in SHARED_TYPES:
            if stix_id in seen:
                continue
            seen.add(stix_id)
        yield ("\n" if first else ",\n") + text
        first = False
    for tlp in TLP_ORDER:
        marking = TLP2_MARKING_IDS[tlp]
        if tlp in tlps and marking not in seen:
            yield ("\n" if first else ",\n") + json.dumps(tlp_marking_definition(tlp))
            first = False
    yield "\n]}\n"


def write_bundle(objects: Iterable[dict[str, Any] | RawObject], fileobj: IO[str]) -> None:
    """Write a bundle of the objects to a text file without holding the whole bundle."""
    for chunk in iter_bundle(objects):
        fileobj.write(chunk)
