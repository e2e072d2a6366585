"""STIX 2.0 / 2.1 content as a feed: indicators and observed data become harmonized events.

What is read: a bundle (``{"type": "bundle", "objects": [...]}``), a TAXII 2.1 envelope (``{"objects":
[...], "more": ...}``, what the TAXII collector stores page by page), a bare list of objects, or a
single object. Each object's 1-based position in that list is its row.

What becomes events:

- ``indicator`` with ``pattern_type`` "stix" (the default in 2.0) whose pattern is equality
  comparisons joined by OR (``[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'x.test']``,
  ``[url:value = '...'] OR [file:hashes.'SHA-256' = '...']``): one event per value. ipv4-addr and
  ipv6-addr values go to ``source.ip`` (a CIDR range to ``source.network``), domain-name to
  ``source.fqdn``, url to ``source.url``, ``file:hashes`` MD5 / SHA-1 / SHA-256 to
  ``malware.hash.*``. The pattern is checked and taken apart with ``stix2patterns`` (through
  ``siaga.stix.validation``); AND, NOT, other operators, qualifiers (WITHIN, REPEATS ...) and other
  object paths match *combinations* of things, not single values, and quarantine the indicator.
  ``time.source`` is ``valid_from`` (else ``created``); ``malware.name`` and
  ``classification.identifier`` come from a malware object the indicator ``indicates`` (a
  relationship in the same content); ``extra`` keeps the STIX id, confidence, labels, indicator
  types and ``valid_until``.
- ``observed-data``: the ipv4-addr, ipv6-addr, domain-name and url objects it observed (2.1:
  ``object_refs`` into the same content; 2.0, and deprecated 2.1: its ``objects`` dictionary), one
  event each; ``time.source`` is ``last_observed`` (else ``first_observed``, ``created``).

Classification (RSIT) comes from an indicator's ``indicator_types`` (2.1) or ``labels`` (2.0; the
same open vocabulary), the first word in this order that is known: free-form words feeds use
("phishing", "c2" / "command-and-control", "malware-distribution", "scanner", "spam"), then the
vocabulary: "compromised" → intrusions/system-compromise; "malicious-activity" → malicious-code, as
c2-server for an address or domain and malware-distribution for a URL or file hash (what such
indicators most often are; an operator who knows better maps the feed with IntelMQ or a mapping);
"anonymization", "anomalous-activity", "attribution", "unknown" → other/undetermined (as IntelMQ
files Tor and proxy nodes). Without a known word: other/undetermined, "not determined yet" rather
than a guess. An indicator that is only "benign" describes something harmless and is quarantined
with that reason, so an operator sees it rather than it silently becoming an event.

What is not an event (``is_not_an_event``): every other STIX object type (identity,
marking-definition, relationship, malware, attack-pattern, report ...: context, not findings),
sightings (ignored: they reference indicators and say nothing the indicator does not), cyber
observables on their own (only observed data says they were seen), custom ``x-`` objects, and
revoked objects. Anything else — an entry that is not a STIX object, an object type no STIX version
defines, an indicator whose pattern or times cannot be used, observed data with no supported
observable — is quarantined with the reason. Content that is not JSON, or JSON of another shape,
is refused whole (``ValueError``).

STIX content is JSON that must be walked object by object (relationships join objects), so reading
is Python per object; the values then go through the same column-wise checks as other feeds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.columns import FQDN_PATTERN
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow
from siaga.stix.validation import (
    SIMPLE_PATTERN_RE,
    STANDARD_TYPES,
    StixProblem,
    parse_timestamp,
    pattern_error,
    spec_version_of,
)

FEED_NAME = "STIX"
# Objects that are read for events; every other standard type is context (``is_not_an_event``).
EVENT_TYPES = frozenset({"indicator", "observed-data"})
NOT_EVENT_TYPES = (STANDARD_TYPES - EVENT_TYPES) | {"bundle"}
# The observables an event can carry: (object type, property path) → harmonized field.
_VALUE_FIELDS: dict[tuple[str, tuple[str, ...]], str] = {
    ("ipv4-addr", ("value",)): "source.ip",
    ("ipv6-addr", ("value",)): "source.ip",
    ("domain-name", ("value",)): "source.fqdn",
    ("url", ("value",)): "source.url",
}
_HASH_FIELDS = {
    "MD5": "malware.hash.md5",
    "SHA1": "malware.hash.sha1",
    "SHA256": "malware.hash.sha256",
}
_HASH_DIGITS = {"malware.hash.md5": 32, "malware.hash.sha1": 40, "malware.hash.sha256": 64}
_SCO_FIELDS = {
    "ipv4-addr": "source.ip",
    "ipv6-addr": "source.ip",
    "domain-name": "source.fqdn",
    "url": "source.url",
}
SUPPORTED = "ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, file:hashes (MD5, SHA-1, SHA-256)"

_OTHER = ("other", "undetermined")
# Indicator type or label → RSIT (class, type); type None: by the observable (see the docstring).
CLASSIFICATION_WORDS: dict[str, tuple[str, str | None]] = {
    "phishing": ("fraud", "phishing"),
    "c2": ("malicious-code", "c2-server"),
    "command-and-control": ("malicious-code", "c2-server"),
    "botnet_cc": ("malicious-code", "c2-server"),
    "malware-distribution": ("malicious-code", "malware-distribution"),
    "payload_delivery": ("malicious-code", "malware-distribution"),
    "scanner": ("information-gathering", "scanner"),
    "scanning": ("information-gathering", "scanner"),
    "spam": ("abusive-content", "spam"),
    "compromised": ("intrusions", "system-compromise"),
    "malicious-activity": ("malicious-code", None),
    "anonymization": _OTHER,
    "anomalous-activity": _OTHER,
    "attribution": _OTHER,
    "unknown": _OTHER,
}
_DELIVERED = frozenset({"source.url", *_HASH_DIGITS})  # "malicious-activity" of these: distribution
_FQDN_RE = re.compile(FQDN_PATTERN)

Value = tuple[str, str]  # (harmonized field, value)


class Unsupported(ValueError):
    """Why an object that could be an event is not one: its quarantine reason."""


@dataclass(frozen=True)
class Content:
    """The objects of the content, and what joins them."""

    objects: list[Any]
    by_id: dict[str, dict[str, Any]]
    malware_of: dict[str, str]  # indicator id → name of the malware it indicates
    spec_version: str | None  # a 2.0 bundle's own spec_version


# --- The parser ----------------------------------------------------------------------------------


def parse_stix_bundle(data: bytes, *, observation_time: datetime) -> ParseResult:
    """STIX content as harmonized events: one per value of each indicator and observed data."""
    observed = _utc(observation_time)
    content = _content(_load(data))
    rows: list[dict[str, Any]] = []
    quarantine: list[QuarantinedRow] = []
    for position, obj in enumerate(content.objects, start=1):
        if is_not_an_event(obj):
            continue
        try:
            events = _object_events(obj, content)
        except Unsupported as exc:
            quarantine.append(QuarantinedRow(row=position, reason=str(exc), raw=_dumps(obj)))
            continue
        raw = _dumps(obj)
        rows.extend({**event, "_row": position, "_text": raw} for event in events)
    return ParseResult(events=_frame(rows, observed), quarantine=quarantine)


def is_not_an_event(obj: object) -> bool:
    """An object that is context, not a finding: skipped without a quarantine entry (see the
    module docstring for the list)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return False
    kind = obj["type"]
    if obj.get("revoked") is True:
        return True
    return kind in NOT_EVENT_TYPES or kind.startswith("x-")


# --- Reading the content -------------------------------------------------------------------------


def _load(data: bytes) -> object:
    try:
        return orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{FEED_NAME}: the report is not JSON ({exc})") from exc


def _content(document: object) -> Content:
    """The objects of a bundle, TAXII envelope, list or single object; ``ValueError`` otherwise."""
    spec_version = None
    if isinstance(document, list):
        objects = document
    elif isinstance(document, dict) and document.get("type") == "bundle":
        objects = document.get("objects", [])
        spec_version = document.get("spec_version")
    elif (
        isinstance(document, dict)
        and "type" not in document
        and {"objects", "more"} & set(document)
    ):
        objects = document.get("objects", [])  # a TAXII envelope (an empty page has no objects)
    elif isinstance(document, dict) and isinstance(document.get("type"), str) and "id" in document:
        objects = [document]
    else:
        raise ValueError(
            f"{FEED_NAME}: expected a STIX bundle, a TAXII envelope or a list of STIX objects"
        )
    if not isinstance(objects, list):
        raise ValueError(f"{FEED_NAME}: “objects” is not a list")
    by_id = {
        obj["id"]: obj
        for obj in objects
        if isinstance(obj, dict) and isinstance(obj.get("id"), str)
    }
    return Content(
        objects,
        by_id,
        _indicated_malware(objects, by_id),
        spec_version if spec_version in ("2.0", "2.1") else None,
    )


def _indicated_malware(objects: Iterable[Any], by_id: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Indicator id → the name of the first malware it ``indicates`` (relationships in order)."""
    found: dict[str, str] = {}
    for obj in objects:
        if not (isinstance(obj, dict) and obj.get("type") == "relationship"):
            continue
        if obj.get("relationship_type") != "indicates" or obj.get("revoked") is True:
            continue
        source, target = obj.get("source_ref"), by_id.get(str(obj.get("target_ref")))
        if isinstance(source, str) and target is not None and target.get("type") == "malware":
            name = target.get("name")
            if isinstance(name, str) and name.strip():
                found.setdefault(source, name.strip().lower())
    return found


def _object_events(obj: object, content: Content) -> list[dict[str, Any]]:
    """The events of one object that may be a finding; ``Unsupported`` with the reason if none."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise Unsupported("not a STIX object (an object with a “type”)")
    if obj["type"] == "indicator":
        return _indicator_events(obj, content)
    if obj["type"] == "observed-data":
        return _observed_events(obj, content)
    raise Unsupported(f"type “{obj['type'][:60]}” is not a STIX 2.0 or 2.1 object type")


def _spec_version(obj: dict[str, Any], content: Content) -> str:
    if "spec_version" not in obj and content.spec_version:
        return content.spec_version
    try:
        return spec_version_of(obj)
    except StixProblem as exc:
        raise Unsupported(str(exc)) from None


# --- Indicators ----------------------------------------------------------------------------------


def _indicator_events(obj: dict[str, Any], content: Content) -> list[dict[str, Any]]:
    pattern_type = obj.get("pattern_type", "stix")
    if pattern_type != "stix":
        raise Unsupported(
            f"pattern_type: “{str(pattern_type)[:40]}” patterns are not read, only STIX"
        )
    pattern = obj.get("pattern")
    if not isinstance(pattern, str):
        raise Unsupported("pattern: missing or not text")
    values = pattern_values(pattern, _spec_version(obj, content))
    words = _words(obj, "indicator_types") + _words(obj, "labels")
    malware = content.malware_of.get(str(obj.get("id")))
    moment = _time(obj, ("valid_from", "created"))
    extra = _extra(
        stix_id=obj.get("id"),
        confidence=obj.get("confidence") if type(obj.get("confidence")) is int else None,
        indicator_types=obj.get("indicator_types"),
        labels=obj.get("labels"),
        valid_until=obj.get("valid_until") if isinstance(obj.get("valid_until"), str) else None,
    )
    events = []
    for field, value in values:
        taxonomy, kind = classify(words, field)
        events.append(
            {
                field: value,
                "classification.taxonomy": taxonomy,
                "classification.type": kind,
                "classification.identifier": malware,
                "malware.name": malware,
                "time.source": moment,
                "feed.provider": _provider(obj, content),
                "extra": extra,
            }
        )
    return events


def pattern_values(pattern: str, spec_version: str = "2.1") -> list[Value]:
    """The (harmonized field, value) pairs of a pattern of equality comparisons joined by OR;
    ``Unsupported`` with the reason for any other pattern."""
    match = SIMPLE_PATTERN_RE.match(pattern)
    error = pattern_error(pattern, spec_version)
    if error:
        raise Unsupported(f"pattern: not a valid STIX pattern ({error})")
    if match is not None:  # one comparison: the common case, no parse tree needed
        path = tuple(step.strip("'") for step in match["path"].split("."))
        comparisons = [
            (match["type"], path, match["value"].replace("\\'", "'").replace("\\\\", "\\"))
        ]
    else:
        comparisons = _or_comparisons(pattern, spec_version)
    return [_value(kind, path, value) for kind, path, value in comparisons]


@lru_cache(maxsize=4096)
def _or_comparisons(pattern: str, spec_version: str) -> list[tuple[str, tuple[str, ...], str]]:
    """The comparisons of a valid pattern, when it is only ``=`` comparisons of string literals
    joined by OR (within and between observation expressions)."""
    from stix2patterns.v20.pattern import Pattern as Pattern20
    from stix2patterns.v21.pattern import Pattern as Pattern21

    compiled = (Pattern20 if spec_version == "2.0" else Pattern21)(pattern)
    listener = _listener(spec_version)
    compiled.walk(listener)
    data = listener.pattern_data()
    if listener.joined_by_and or listener.other_test:
        raise Unsupported(
            "pattern: comparisons joined by AND (or EXISTS) describe one thing seen together, not values"
        )
    if data.qualifiers or data.observation_ops - {"OR"}:
        raise Unsupported(
            "pattern: qualifiers and AND / FOLLOWEDBY between observations are not single values"
        )
    found = []
    for kind, tests in data.comparisons.items():
        for path, operator, literal in tests:
            if operator not in ("=", "=="):
                raise Unsupported(
                    f"pattern: the operator “{operator}” does not name a single value"
                )
            if not all(isinstance(step, str) for step in path):
                raise Unsupported("pattern: list indexes in an object path are not single values")
            if not (literal.startswith("'") and literal.endswith("'")):
                raise Unsupported(f"pattern: {kind}:{'.'.join(path)} is not compared with a string")
            found.append(
                (kind, tuple(path), literal[1:-1].replace("\\'", "'").replace("\\\\", "\\"))
            )
    return found


def _listener(spec_version: str) -> Any:
    """A ``stix2patterns`` inspection listener that also notes what its inspection leaves out:
    whether comparisons are joined by AND, and EXISTS tests."""
    if spec_version == "2.0":
        from stix2patterns.v20.inspector import InspectionListener
    else:
        from stix2patterns.v21.inspector import InspectionListener

    class Listener(InspectionListener):
        joined_by_and = False
        other_test = False

        def exitComparisonExpressionAnd(self, ctx: Any) -> None:
            if ctx.AND():
                self.joined_by_and = True

        def exitPropTestExists(self, ctx: Any) -> None:
            self.other_test = True

    return Listener()


def _value(kind: str, path: tuple[str, ...], value: str) -> Value:
    """One comparison's (harmonized field, checked value)."""
    if kind == "file" and len(path) == 2 and path[0] == "hashes":
        field = _HASH_FIELDS.get(path[1].upper().replace("-", ""))
        if field is not None:
            if not re.fullmatch(f"[0-9A-Fa-f]{{{_HASH_DIGITS[field]}}}", value):
                raise Unsupported(
                    f"pattern: {path[1]} hash “{value[:80]}” is not {_HASH_DIGITS[field]} hexadecimal digits"
                )
            return field, value.lower()
    field = _VALUE_FIELDS.get((kind, path))
    if field is None:
        raise Unsupported(f"pattern: {kind}:{'.'.join(path)} is not read (supported: {SUPPORTED})")
    return _checked(kind, field, value)


def _checked(kind: str, field: str, value: str) -> Value:
    """An address, name or URL as its field holds it; ``Unsupported`` if it is not one."""
    text = value.strip()
    if field == "source.ip":
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise Unsupported(f"{kind}: “{text[:80]}” is not an IP address or network") from None
        if (network.version == 4) != (kind == "ipv4-addr"):
            raise Unsupported(f"{kind}: “{text[:80]}” is an IPv{network.version} address")
        if network.num_addresses == 1:
            return "source.ip", str(network.network_address)
        return "source.network", str(network)
    if field == "source.fqdn":
        name = text.lower().removesuffix(".")
        if len(name) > 253 or not _FQDN_RE.match(name):
            raise Unsupported(f"domain-name: “{text[:80]}” is not a host name")
        return field, name
    if not text or re.search(r"\s", text):
        raise Unsupported(f"url: “{text[:80]}” is not a URL")
    return field, text


def classify(words: list[str], field: str) -> tuple[str, str]:
    """The RSIT (class, type) for an indicator's types / labels (see the module docstring)."""
    known = [word for word in CLASSIFICATION_WORDS if word in words]
    if not known:
        if "benign" in words:
            raise Unsupported("indicator is marked benign: it describes nothing harmful")
        return _OTHER
    taxonomy, kind = CLASSIFICATION_WORDS[known[0]]
    if kind is None:
        kind = "malware-distribution" if field in _DELIVERED else "c2-server"
    return taxonomy, kind


def _words(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if not isinstance(value, list):
        return []
    return [word.strip().lower() for word in value if isinstance(word, str)]


# --- Observed data -------------------------------------------------------------------------------


def _observed_events(obj: dict[str, Any], content: Content) -> list[dict[str, Any]]:
    observables = _observed_objects(obj, content)
    moment = _time(obj, ("last_observed", "first_observed", "created"))
    words = _words(obj, "labels")
    extra = _extra(
        stix_id=obj.get("id"),
        number_observed=obj.get("number_observed")
        if type(obj.get("number_observed")) is int
        else None,
        first_observed=obj.get("first_observed")
        if isinstance(obj.get("first_observed"), str)
        else None,
        labels=obj.get("labels"),
    )
    events = []
    for sco in observables:
        field, value = _checked(
            sco["type"], _SCO_FIELDS[sco["type"]], _text(sco.get("value"), sco["type"])
        )
        taxonomy, kind = classify(words, field)
        events.append(
            {
                field: value,
                "classification.taxonomy": taxonomy,
                "classification.type": kind,
                "time.source": moment,
                "feed.provider": _provider(obj, content),
                "extra": extra,
            }
        )
    return events


def _observed_objects(obj: dict[str, Any], content: Content) -> list[dict[str, Any]]:
    """The supported observables observed data holds: by reference (2.1) or inline (2.0)."""
    refs = obj.get("object_refs")
    inline = obj.get("objects")
    candidates: list[Any] = []
    missing: list[str] = []
    if isinstance(refs, list):
        for ref in refs:
            target = content.by_id.get(ref) if isinstance(ref, str) else None
            if target is None:
                missing.append(str(ref)[:80])
            candidates.append(target)
    if isinstance(inline, dict):
        candidates.extend(inline.values())
    found = [sco for sco in candidates if isinstance(sco, dict) and sco.get("type") in _SCO_FIELDS]
    if found:
        return found
    if missing:
        raise Unsupported(f"object_refs: not in this content: {', '.join(missing[:5])}")
    raise Unsupported("observed-data: observed no IPv4 or IPv6 address, domain name or URL")


def _text(value: object, kind: str) -> str:
    if not isinstance(value, str):
        raise Unsupported(f"{kind}: “value” is not text")
    return value


# --- Common parts --------------------------------------------------------------------------------


def _time(obj: dict[str, Any], keys: tuple[str, ...]) -> datetime | None:
    """The first of ``keys`` the object has, as a UTC time; ``Unsupported`` if it is not one."""
    for key in keys:
        if obj.get(key) is not None:
            try:
                return parse_timestamp(obj[key], key).astimezone(UTC)
            except StixProblem as exc:
                raise Unsupported(str(exc)) from None
    return None


def _provider(obj: dict[str, Any], content: Content) -> str | None:
    """The name of the identity that created the object, when the content holds it."""
    creator = content.by_id.get(str(obj.get("created_by_ref")))
    name = (
        creator.get("name") if creator is not None and creator.get("type") == "identity" else None
    )
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None


def _extra(**members: Any) -> str | None:
    kept = {key: value for key, value in members.items() if value is not None}
    return orjson.dumps(kept).decode() if kept else None


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


def _frame(rows: list[dict[str, Any]], observed: datetime) -> pl.DataFrame:
    """The events as a harmonized frame."""
    columns = [*_VALUE_COLUMNS, "_row", "_text"]
    frame = pl.DataFrame(
        {name: [row.get(name) for row in rows] for name in columns},
        schema={
            **{name: harmonized.FIELDS[name] for name in _VALUE_COLUMNS},
            "_row": pl.Int64,
            "_text": pl.String,
        },
    )
    frame = frame.with_columns(
        pl.lit(FEED_NAME).alias("feed.name"),
        pl.lit(observed, dtype=harmonized.UTC_TIME).alias("time.observation"),
        pl.col("_text").str.encode("base64").alias("raw"),
    )
    return harmonized.conform(frame).select([*harmonized.FIELDS, "_row"])


_VALUE_COLUMNS = (
    "feed.provider",
    "time.source",
    "classification.taxonomy",
    "classification.type",
    "classification.identifier",
    "source.ip",
    "source.network",
    "source.fqdn",
    "source.url",
    "malware.name",
    "malware.hash.md5",
    "malware.hash.sha1",
    "malware.hash.sha256",
    "extra",
)


def _utc(moment: datetime) -> datetime:
    """The observation time in UTC; a naive one is a caller's mistake, not something to guess."""
    if moment.tzinfo is None:
        raise ValueError("observation_time must be timezone-aware")
    return moment.astimezone(UTC)
