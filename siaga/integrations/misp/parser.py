"""Reading MISP event JSON (as MISP exports it and as feeds publish it) into plain records.

Nothing here touches the database: the input comes from outside (an upload, a feed directory, the
API), so every field is checked for its type and every problem is a ``MispFormatError`` whose
message says where it is (``Event.Attribute[3].timestamp``) and what was expected. Fields Siaga
does not use are ignored.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

MAX_EVENT_BYTES = 50 * 1024 * 1024
MAX_TEXT = 200  # event titles and object names are cut to this length

# MISP's distribution levels.
DIST_ORGANIZATION = 0
DIST_COMMUNITY = 1
DIST_CONNECTED = 2
DIST_ALL = 3
DIST_SHARING_GROUP = 4
DIST_INHERIT = 5

# MISP's sighting types.
SIGHTING = 0
FALSE_POSITIVE = 1
EXPIRATION = 2

_ATTACK_ID = re.compile(r"\b(T\d{4}(?:\.\d{3})?)\b")


class MispFormatError(ValueError):
    """The input is not a MISP event this importer can read; the message says where and why."""


@dataclass(frozen=True)
class MispSighting:
    type: int
    when: datetime
    source: str = ""
    uuid: uuid.UUID | None = None


@dataclass(frozen=True)
class MispAttribute:
    uuid: uuid.UUID
    type: str
    value: str
    category: str = ""
    to_ids: bool = False
    distribution: int = DIST_INHERIT
    sharing_group: str = ""  # the MISP sharing group's name, if any
    timestamp: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    comment: str = ""
    tags: tuple[str, ...] = ()
    object_name: str = ""  # set for the attributes of a MISP object
    object_distribution: int = DIST_INHERIT
    sightings: tuple[MispSighting, ...] = ()


@dataclass(frozen=True)
class MispEvent:
    uuid: uuid.UUID
    info: str
    date: date | None = None
    timestamp: datetime | None = None
    distribution: int = DIST_ORGANIZATION
    sharing_group: str = ""
    orgc: str = ""
    threat_level_id: int = 4
    analysis: int = 0
    tags: tuple[str, ...] = ()  # event tags and galaxy clusters (as their tag names)
    attributes: tuple[MispAttribute, ...] = field(default_factory=tuple)


def load_event_bytes(data: bytes) -> MispEvent:
    """Parse one event file (``{"Event": {...}}`` or the bare event object)."""
    if len(data) > MAX_EVENT_BYTES:
        raise MispFormatError(
            _("The event file is larger than %(max)d MB.") % {"max": MAX_EVENT_BYTES // 2**20}
        )
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MispFormatError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from None
    return parse_event(document)


def parse_event(document: Any) -> MispEvent:
    """The event in a decoded JSON document."""
    if isinstance(document, dict) and "Event" in document:
        document = document["Event"]
        where = "Event"
    else:
        where = "event"
    event = _object(document, where)
    event_uuid = _uuid(event.get("uuid"), f"{where}.uuid")
    info = _text(event.get("info", ""), f"{where}.info")
    attributes = [
        _attribute(item, f"{where}.Attribute[{i}]")
        for i, item in enumerate(_list(event.get("Attribute"), f"{where}.Attribute"))
    ]
    for i, item in enumerate(_list(event.get("Object"), f"{where}.Object")):
        attributes.extend(_object_attributes(item, f"{where}.Object[{i}]"))
    attributes = _attach_event_sightings(event, attributes, where)
    return MispEvent(
        uuid=event_uuid,
        info=info.strip()[:MAX_TEXT],
        date=_date(event.get("date"), f"{where}.date"),
        timestamp=_timestamp(event.get("timestamp"), f"{where}.timestamp"),
        distribution=_distribution(event.get("distribution"), f"{where}.distribution", 0),
        sharing_group=_sharing_group_name(event, where),
        orgc=_org_name(event.get("Orgc"), f"{where}.Orgc"),
        threat_level_id=_small_int(event.get("threat_level_id"), f"{where}.threat_level_id", 4),
        analysis=_small_int(event.get("analysis"), f"{where}.analysis", 0),
        tags=tuple(_tags(event, where)) + tuple(_galaxy_tags(event, where)),
        attributes=tuple(attributes),
    )


def attack_ids(tags: tuple[str, ...] | list[str]) -> list[str]:
    """ATT&CK technique ids named by MITRE ATT&CK galaxy tags (``... - T1566``)."""
    found: list[str] = []
    for tag in tags:
        if tag.lower().startswith("misp-galaxy:mitre-"):
            for technique in _ATTACK_ID.findall(tag):
                if technique not in found:
                    found.append(technique)
    return found


# --- Parts of an event ---------------------------------------------------------------------------


def _attribute(
    item: Any, where: str, *, object_name: str = "", object_dist: int = DIST_INHERIT
) -> MispAttribute:
    attribute = _object(item, where)
    value = attribute.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # MISP sends AS numbers and ports as numbers at times
    return MispAttribute(
        uuid=_uuid(attribute.get("uuid"), f"{where}.uuid"),
        type=_text(attribute.get("type"), f"{where}.type", required=True),
        value=_text(value, f"{where}.value", required=True),
        category=_text(attribute.get("category", ""), f"{where}.category"),
        to_ids=_bool(attribute.get("to_ids", False), f"{where}.to_ids"),
        distribution=_distribution(attribute.get("distribution"), f"{where}.distribution", 5),
        sharing_group=_sharing_group_name(attribute, where),
        timestamp=_timestamp(attribute.get("timestamp"), f"{where}.timestamp"),
        first_seen=_datetime(attribute.get("first_seen"), f"{where}.first_seen"),
        last_seen=_datetime(attribute.get("last_seen"), f"{where}.last_seen"),
        comment=_text(attribute.get("comment", ""), f"{where}.comment"),
        tags=tuple(_tags(attribute, where)),
        object_name=object_name,
        object_distribution=object_dist,
        sightings=tuple(
            _sighting(s, f"{where}.Sighting[{i}]")
            for i, s in enumerate(_list(attribute.get("Sighting"), f"{where}.Sighting"))
        ),
    )


def _object_attributes(item: Any, where: str) -> list[MispAttribute]:
    obj = _object(item, where)
    name = _text(obj.get("name", ""), f"{where}.name")[:MAX_TEXT]
    distribution = _distribution(obj.get("distribution"), f"{where}.distribution", 5)
    return [
        _attribute(a, f"{where}.Attribute[{i}]", object_name=name, object_dist=distribution)
        for i, a in enumerate(_list(obj.get("Attribute"), f"{where}.Attribute"))
    ]


def _attach_event_sightings(
    event: dict[str, Any], attributes: list[MispAttribute], where: str
) -> list[MispAttribute]:
    """Sightings listed on the event (with ``attribute_uuid``) are moved to their attribute."""
    extra: dict[uuid.UUID, list[MispSighting]] = {}
    for i, item in enumerate(_list(event.get("Sighting"), f"{where}.Sighting")):
        place = f"{where}.Sighting[{i}]"
        target = _uuid(_object(item, place).get("attribute_uuid"), f"{place}.attribute_uuid")
        extra.setdefault(target, []).append(_sighting(item, place))
    if not extra:
        return attributes
    return [
        replace(a, sightings=a.sightings + tuple(extra.get(a.uuid, ()))) if a.uuid in extra else a
        for a in attributes
    ]


def _sighting(item: Any, where: str) -> MispSighting:
    sighting = _object(item, where)
    kind = _small_int(sighting.get("type", 0), f"{where}.type", 0)
    if kind not in (SIGHTING, FALSE_POSITIVE, EXPIRATION):
        raise MispFormatError(
            _("%(where)s: a sighting type is 0, 1 or 2, not %(value)s.")
            % {"where": f"{where}.type", "value": kind}
        )
    when = _timestamp(sighting.get("date_sighting"), f"{where}.date_sighting")
    source = _text(sighting.get("source", ""), f"{where}.source")
    if not source and isinstance(sighting.get("Organisation"), dict):
        source = _org_name(sighting.get("Organisation"), f"{where}.Organisation")
    sighting_uuid = sighting.get("uuid")
    return MispSighting(
        type=kind,
        when=when or datetime.now(UTC),
        source=source[:MAX_TEXT],
        uuid=_uuid(sighting_uuid, f"{where}.uuid") if sighting_uuid else None,
    )


def _tags(holder: dict[str, Any], where: str) -> list[str]:
    names: list[str] = []
    for i, item in enumerate(_list(holder.get("Tag"), f"{where}.Tag")):
        tag = _object(item, f"{where}.Tag[{i}]")
        name = _text(tag.get("name"), f"{where}.Tag[{i}].name", required=True).strip()
        if name and name not in names:
            names.append(name[:MAX_TEXT])
    return names


def _galaxy_tags(event: dict[str, Any], where: str) -> list[str]:
    """Galaxy clusters as the tags MISP would attach (``misp-galaxy:<type>="<value>"``)."""
    names: list[str] = []
    for i, item in enumerate(_list(event.get("Galaxy"), f"{where}.Galaxy")):
        place = f"{where}.Galaxy[{i}]"
        galaxy = _object(item, place)
        kind = _text(galaxy.get("type", ""), f"{place}.type")
        for j, raw in enumerate(_list(galaxy.get("GalaxyCluster"), f"{place}.GalaxyCluster")):
            cluster = _object(raw, f"{place}.GalaxyCluster[{j}]")
            name = _text(cluster.get("tag_name", ""), f"{place}.GalaxyCluster[{j}].tag_name")
            if not name:
                value = _text(cluster.get("value", ""), f"{place}.GalaxyCluster[{j}].value")
                name = f'misp-galaxy:{kind}="{value}"' if kind and value else ""
            if name and name not in names:
                names.append(name[:MAX_TEXT])
    return names


def _sharing_group_name(holder: dict[str, Any], where: str) -> str:
    group = holder.get("SharingGroup")
    if group in (None, [], {}):
        return ""
    group = _object(group, f"{where}.SharingGroup")
    return _text(group.get("name", ""), f"{where}.SharingGroup.name").strip()


def _org_name(value: Any, where: str) -> str:
    if value in (None, [], {}):
        return ""
    org = _object(value, where)
    return _text(org.get("name", ""), f"{where}.name").strip()[:MAX_TEXT]


# --- Typed fields --------------------------------------------------------------------------------


def _fail(where: str, expected: str, value: Any) -> MispFormatError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return MispFormatError(
        _("%(where)s: expected %(expected)s, got %(value)s.")
        % {"where": where, "expected": expected, "value": shown}
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, _("an object"), value)
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, _("a list"), value)
    return value


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _fail(where, _("a text"), value)
    if "\x00" in value:
        raise MispFormatError(_("%(where)s: contains a NUL character.") % {"where": where})
    if required and not value.strip():
        raise MispFormatError(_("%(where)s: must not be empty.") % {"where": where})
    return value


def _uuid(value: Any, where: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise _fail(where, _("a UUID"), value)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _fail(where, _("a UUID"), value) from None


def _bool(value: Any, where: str) -> bool:
    # MISP writes booleans as true/false, 0/1 or "0"/"1" depending on version and export path.
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    raise _fail(where, _("true or false"), value)


def _small_int(value: Any, where: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _fail(where, _("a whole number"), value)
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 10:
        return int(value)
    if isinstance(value, int) and 0 <= value < 10**9:
        return value
    raise _fail(where, _("a whole number"), value)


def _distribution(value: Any, where: str, default: int) -> int:
    level = _small_int(value, where, default)
    if level > DIST_INHERIT:
        raise _fail(where, _("a distribution from 0 to 5"), value)
    return level


def _timestamp(value: Any, where: str) -> datetime | None:
    """A Unix timestamp (MISP writes it as a number or a string of digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, _("a Unix timestamp"), value)
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _fail(where, _("a Unix timestamp"), value) from None


def _datetime(value: Any, where: str) -> datetime | None:
    """An ISO 8601 time (``first_seen``/``last_seen``); naive times are taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(where, _("an ISO 8601 date and time"), value)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _fail(where, _("an ISO 8601 date and time"), value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(where, _("a date (YYYY-MM-DD)"), value)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(where, _("a date (YYYY-MM-DD)"), value) from None


def date_as_datetime(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None
