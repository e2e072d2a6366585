"""Fast checks of STIX 2.0 and 2.1 objects, for the import hot path.

The ``stix2`` library parses a few thousand objects a second; an import must take tens of
thousands. These checks cover what the store relies on and what the specifications make
mandatory for every object: the identifier (``type--uuid`` with an RFC 4122 UUID whose type part
equals ``type``), the type name's syntax, RFC 3339 timestamps in UTC (``Z``), the common
properties each spec version requires, ``spec_version`` itself, the syntax of every reference
(``*_ref`` / ``*_refs``), and indicator patterns. Each problem is one message naming the property.

Patterns are checked with ``stix2patterns`` (an ANTLR grammar: well under a millisecond, but that
is still the slowest step), so the common one-comparison patterns are recognised by a regular
expression that accepts only strings the grammar accepts, and other pattern texts are cached.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

SPEC_VERSIONS = ("2.0", "2.1")

# STIX 2.1 §2.9 / 2.0 §2.7: a-z, 0-9 and hyphen, 3 to 250 characters. "--" would make the
# identifier ambiguous, so it is refused as well.
TYPE_RE = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
_TYPE_PART_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
# RFC 4122: version 1 to 5 in the third group, variant 10xx in the fourth.
UUID_RE = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
IDENTIFIER_RE = re.compile(rf"^([a-z0-9][a-z0-9-]{{1,248}}[a-z0-9])--({UUID_RE})$")
_UUID_PART_RE = re.compile(UUID_RE)
TIMESTAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")

SDO_TYPES = frozenset(
    {
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
    }
)
SRO_TYPES = frozenset({"relationship", "sighting"})
SCO_TYPES = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
META_TYPES = frozenset({"marking-definition", "language-content", "extension-definition"})
STANDARD_TYPES = SDO_TYPES | SRO_TYPES | SCO_TYPES | META_TYPES

# Timestamp properties checked wherever they appear at the top level of an object.
TIMESTAMP_PROPERTIES = (
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "published",
)


class StixProblem(ValueError):
    """One thing wrong with one object; the message names the property."""


class CheckedObject(NamedTuple):
    """What the store needs from an object that passed the checks (a tuple: made per object)."""

    stix_id: str
    type: str
    spec_version: str
    version: datetime | None  # modified, else created; None for objects without either
    is_custom: bool
    references: tuple[tuple[str, str], ...]  # (property, target id)


def parse_timestamp(value: Any, prop: str) -> datetime:
    """An RFC 3339 timestamp in UTC with ``Z``, as a datetime (fractions beyond µs dropped)."""
    if not isinstance(value, str):
        raise StixProblem(_("“%(prop)s” must be a timestamp string.") % {"prop": prop})
    if TIMESTAMP_RE.match(value) is None:
        raise StixProblem(
            _("“%(prop)s” is not an RFC 3339 timestamp in UTC ending in Z: %(value)s")
            % {"prop": prop, "value": value[:80]}
        )
    try:
        # The pattern fixed the shape; fromisoformat (C) checks the calendar and reads it.
        return datetime.fromisoformat(value)
    except ValueError:
        raise StixProblem(
            _("“%(prop)s” is not a valid date and time: %(value)s")
            % {"prop": prop, "value": value[:80]}
        ) from None


def is_identifier(value: Any) -> bool:
    """``type--uuid``: split at the first "--" rather than asking one pattern to find it (the
    type part's pattern would backtrack over the whole UUID)."""
    if not isinstance(value, str):
        return False
    type_, separator, rest = value.partition("--")
    return bool(separator and _TYPE_PART_RE.fullmatch(type_) and _UUID_PART_RE.fullmatch(rest))


def check_identifier(value: Any, prop: str) -> str:
    if not is_identifier(value):
        raise StixProblem(
            _("“%(prop)s” is not a STIX identifier (type--UUID, RFC 4122): %(value)s")
            % {"prop": prop, "value": str(value)[:120]}
        )
    return value


def spec_version_of(obj: dict[str, Any]) -> str:
    """The object's spec version: its own ``spec_version``; 2.1 for cyber observables (the only
    objects that may omit it in 2.1); otherwise 2.0, where objects carry none."""
    declared = obj.get("spec_version")
    if declared is not None:
        if declared not in SPEC_VERSIONS:
            raise StixProblem(
                _("“spec_version” must be 2.0 or 2.1, not %(value)s")
                % {"value": str(declared)[:20]}
            )
        return str(declared)
    return "2.1" if obj.get("type") in SCO_TYPES else "2.0"


@lru_cache(maxsize=4096)
def _required_properties(type_: str, spec_version: str) -> tuple[str, ...]:
    if type_ in SCO_TYPES:
        return ()
    if type_ == "marking-definition":
        base: tuple[str, ...] = ("created",)
        return base + (("spec_version",) if spec_version == "2.1" else ("definition_type",))
    required: tuple[str, ...] = ("created", "modified")
    if spec_version == "2.1":
        required += ("spec_version",)
    if type_ == "indicator":
        required += ("pattern", "valid_from")
        if spec_version == "2.1":
            required += ("pattern_type",)
    elif type_ == "relationship":
        required += ("relationship_type", "source_ref", "target_ref")
    elif type_ == "sighting":
        required += ("sighting_of_ref",)
    return required


def _reference_properties(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The properties among ``keys`` that hold references. Objects of one kind share their set
    of properties, so the answer is cached per set (bounded: a hostile file could vary it)."""
    found = _REFERENCE_PROPERTIES.get(keys)
    if found is None:
        found = tuple(key for key in keys if key.endswith(("_ref", "_refs")))
        if len(_REFERENCE_PROPERTIES) < 10_000:
            _REFERENCE_PROPERTIES[keys] = found
    return found


_REFERENCE_PROPERTIES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _check_references(obj: dict[str, Any], is_custom: bool) -> tuple[tuple[str, str], ...]:
    """The references an object makes. Those of the specification must be identifiers; custom
    properties (``x_...``, or any property of a custom object but the common ones) follow no
    rule we can hold them to, so their identifiers count as references and other values are
    just data (ATT&CK, for one, leaves some ``x_mitre_*_ref`` empty)."""
    references: list[tuple[str, str]] = []
    for prop in _reference_properties(tuple(obj)):
        value = obj[prop]
        lenient = prop.startswith("x_") or (is_custom and prop not in COMMON_REFERENCES)
        values = value if prop.endswith("_refs") else [value]
        if not isinstance(values, list):
            if lenient:
                continue
            raise StixProblem(_("“%(prop)s” must be a list of identifiers.") % {"prop": prop})
        for item in values:
            if lenient and not is_identifier(item):
                continue
            references.append((prop, check_identifier(item, prop)))
    if "granular_markings" in obj:
        references.extend(_granular_marking_references(obj["granular_markings"]))
    return tuple(references)


def _granular_marking_references(markings: Any) -> list[tuple[str, str]]:
    if not isinstance(markings, list):
        raise StixProblem(_("“granular_markings” must be a list."))
    references = []
    for position, marking in enumerate(markings):
        prop = f"granular_markings[{position}]"
        if not isinstance(marking, dict):
            raise StixProblem(_("“%(prop)s” must be an object.") % {"prop": prop})
        if "marking_ref" in marking:
            ref = check_identifier(marking["marking_ref"], prop + ".marking_ref")
            references.append(("marking_ref", ref))
    return references


COMMON_REFERENCES = frozenset({"created_by_ref", "object_marking_refs"})


def _check_timestamps(obj: dict[str, Any]) -> dict[str, datetime]:
    return {prop: parse_timestamp(obj[prop], prop) for prop in TIMESTAMP_PROPERTIES if prop in obj}


def check_object(obj: Any) -> CheckedObject:
    """Check one top-level object of a bundle; raise StixProblem naming the first problem."""
    if not isinstance(obj, dict):
        raise StixProblem(_("The entry is not a JSON object."))
    type_ = obj.get("type")
    if type_ is None:
        raise StixProblem(_("The required property “type” is missing."))
    if not isinstance(type_, str) or _TYPE_PART_RE.fullmatch(type_) is None or "--" in type_:
        raise StixProblem(
            _("“type” is not a valid STIX type name (a-z, 0-9, hyphen; 3 to 250 characters): %(v)s")
            % {"v": str(type_)[:80]}
        )
    if "id" not in obj:
        raise StixProblem(_("The required property “id” is missing."))
    stix_id = check_identifier(obj["id"], "id")
    if stix_id.split("--", 1)[0] != type_:
        raise StixProblem(
            _("“id” must start with the object's type “%(type)s--”.") % {"type": type_}
        )
    spec_version = spec_version_of(obj)
    for prop in _required_properties(type_, spec_version):
        if prop not in obj:
            raise StixProblem(
                _("The required property “%(prop)s” is missing (STIX %(version)s %(type)s).")
                % {"prop": prop, "version": spec_version, "type": type_}
            )
    times = _check_timestamps(obj)
    if "created" in times and "modified" in times and times["modified"] < times["created"]:
        raise StixProblem(_("“modified” must not be earlier than “created”."))
    if type_ == "indicator":
        _check_indicator_pattern(obj, spec_version)
    if "revoked" in obj and not isinstance(obj["revoked"], bool):
        raise StixProblem(_("“revoked” must be true or false."))
    is_custom = type_ not in STANDARD_TYPES
    return CheckedObject(
        stix_id=stix_id,
        type=type_,
        spec_version=spec_version,
        version=times.get("modified") or times.get("created"),
        is_custom=is_custom,
        references=_check_references(obj, is_custom),
    )


def _check_indicator_pattern(obj: dict[str, Any], spec_version: str) -> None:
    pattern = obj["pattern"]
    if not isinstance(pattern, str):
        raise StixProblem(_("“pattern” must be a string."))
    if obj.get("pattern_type", "stix") != "stix":
        return  # Sigma, YARA, Snort ... are kept as text; their grammars are not ours to check.
    error = pattern_error(pattern, spec_version)
    if error:
        raise StixProblem(_("“pattern” is not a valid STIX pattern: %(error)s") % {"error": error})


# One comparison of a string literal, the shape of almost every shared indicator. A string that
# matches is always valid in the grammar, so stix2patterns is not needed for it. Hash values are
# checked as stix2patterns checks them (hex of the algorithm's length).
SIMPLE_PATTERN_RE = re.compile(
    r"^\[\s*(?P<type>[a-z0-9][a-z0-9-]*[a-z0-9]):(?P<path>[a-z0-9_]+"
    r"(?:\.(?:[a-z0-9_]+|'[A-Za-z0-9_-]+'))*)\s*=\s*'(?P<value>(?:[^'\\]|\\['\\])*)'\s*\]$"
)
HASH_LENGTHS = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}
HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


def _simple_pattern_is_valid(match: re.Match[str]) -> bool | None:
    """True/False when the fast path can decide; None when stix2patterns must."""
    path = match["path"]
    if not path.startswith("hashes."):
        return True if "'" not in path else None
    algorithm = path[len("hashes.") :].strip("'")
    expected = HASH_LENGTHS.get(algorithm)
    if expected is None or "." in algorithm:
        return None
    value = match["value"]
    return len(value) == expected and HEX_RE.match(value) is not None


def pattern_error(pattern: str, spec_version: str = "2.1") -> str:
    """The first error in a STIX pattern, or "" when it is valid."""
    match = SIMPLE_PATTERN_RE.match(pattern)
    if match is not None:
        verdict = _simple_pattern_is_valid(match)
        if verdict is True:
            return ""
    return _pattern_error_slow(pattern, spec_version)


@lru_cache(maxsize=20_000)
def _pattern_error_slow(pattern: str, spec_version: str) -> str:
    from stix2patterns.validator import run_validator

    try:
        errors = run_validator(pattern, stix_version=spec_version)
    except Exception as exc:  # the ANTLR runtime can raise on odd input; that is a bad pattern
        return str(exc)[:200] or exc.__class__.__name__
    return "; ".join(str(error) for error in errors)[:300]
