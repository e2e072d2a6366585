"""A MISP-format feed of the indicators one audience may see.

The files are those MISP's own feed generator writes: ``manifest.json`` (event uuid → info, date,
analysis, threat_level_id, timestamp, Orgc, Tag), one ``<uuid>.json`` per event
(``{"Event": {...}}``) and ``hashes.csv`` (``md5(value),event uuid`` per line).

What goes in is decided by ``siaga.sharing.visibility.visible_q`` for the audience, and never
TLP:RED. Indicators imported from MISP stay in their original event (its uuid is in their
``source_ref``); the others are grouped per source organization and month of entry, under a uuid
derived from both, so the same event keeps its uuid from one fetch to the next. Files are written
piece by piece: a large feed is streamed, never held in memory as one document.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import TruncMonth

from siaga.integrations.misp import mapping
from siaga.integrations.misp.models import MispImportRecord
from siaga.intel.models import Indicator
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, TLP_ORDER
from siaga.sharing.visibility import Audience, visible_q

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
MISP_SOURCE = re.compile(rf"MISP event ({_UUID}): ?(.*)", re.DOTALL)
BATCH = 2000  # indicators fetched per query while streaming
THREAT_LEVEL_UNDEFINED = 4
ANALYSIS_COMPLETED = 2
_COMPOSITE = "|"


@dataclass
class FeedEvent:
    """One event of the feed, as the manifest describes it."""

    uuid: str
    info: str
    organization_id: int
    date: datetime
    timestamp: datetime
    tlp: str
    from_misp: bool = False
    month: datetime | None = None
    indicator_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def visible_indicators(audience: Audience) -> QuerySet[Indicator]:
    """What the audience may see; never TLP:RED, whatever the audience is."""
    return Indicator.objects.filter(visible_q(audience, Indicator)).exclude(tlp=TLP.RED)


def build_feed(audience: Audience) -> Iterator[tuple[str, bytes]]:
    """Every file of the feed: manifest.json, one <uuid>.json per event, hashes.csv."""
    events = feed_events(audience)
    yield "manifest.json", manifest_bytes(events)
    for event in events.values():
        yield f"{event.uuid}.json", b"".join(event_chunks(audience, event))
    yield "hashes.csv", b"".join(hashes_chunks(audience))


# --- The events ----------------------------------------------------------------------------------


def feed_events(
    audience: Audience, indicators: QuerySet[Indicator] | None = None
) -> dict[str, FeedEvent]:
    """The feed's events by uuid, from one pass over the visible indicators."""
    events: dict[str, FeedEvent] = {}
    if indicators is None:
        indicators = visible_indicators(audience)
    rows = (
        indicators.annotate(month=TruncMonth("created_at"))
        .values_list("organization_id", "source_ref", "month", "first_seen", "updated_at", "tlp")
        .order_by()
    )
    for organization_id, source_ref, month, first_seen, updated_at, tlp in rows.iterator(BATCH):
        key, info, from_misp = _event_key(organization_id, source_ref, month)
        event = events.get(key)
        if event is None:
            event = events[key] = FeedEvent(
                uuid=key,
                info=info,
                organization_id=organization_id,
                date=first_seen,
                timestamp=updated_at,
                tlp=tlp,
                from_misp=from_misp,
                month=None if from_misp else month,
            )
        event.date = min(event.date, first_seen)
        event.timestamp = max(event.timestamp, updated_at)
        event.tlp = max(event.tlp, tlp, key=TLP_ORDER.index)
        event.indicator_count += 1
    _name_organizations(events)
    return events


def find_event(audience: Audience, event_uuid: str) -> FeedEvent | None:
    """One event of the feed, without going over the whole feed (a subscriber fetches each)."""
    visible = visible_indicators(audience)
    recorded = MispImportRecord.objects.filter(event_uuid=event_uuid).values("indicator_id")
    from_misp = visible.filter(pk__in=recorded, source_ref__startswith=f"MISP event {event_uuid}:")
    if from_misp.exists():
        return feed_events(audience, from_misp).get(event_uuid)
    own = visible.exclude(source_ref__regex=rf"^MISP event {_UUID}:")
    cells = (
        own.annotate(month=TruncMonth("created_at"))
        .values_list("organization_id", "month")
        .distinct()
        .order_by()
    )
    for organization_id, month in cells:
        if _event_key(organization_id, "", month)[0] == event_uuid:
            subset = own.filter(
                organization_id=organization_id,
                created_at__year=month.year,
                created_at__month=month.month,
            )
            return feed_events(audience, subset).get(event_uuid)
    return None


def _event_key(organization_id: int, source_ref: str, month: datetime) -> tuple[str, str, bool]:
    match = MISP_SOURCE.fullmatch(source_ref or "")
    if match:
        return str(uuid.UUID(match.group(1))), match.group(2) or source_ref, True
    key = uuid.uuid5(mapping.FEED_NAMESPACE, f"org:{organization_id}:{month:%Y-%m}")
    return str(key), "", False


def _name_organizations(events: dict[str, FeedEvent]) -> None:
    names = dict(
        Organization.objects.filter(
            pk__in=sorted({e.organization_id for e in events.values()})
        ).values_list("pk", "name")
    )
    for event in events.values():
        name = names.get(event.organization_id, "")
        event.extra["orgc"] = {"name": name, "uuid": str(org_uuid(event.organization_id))}
        if not event.info:
            month = f"{event.month:%Y-%m}" if event.month else ""
            event.info = f"Siaga indicators of {name}, {month}"


def org_uuid(organization_id: int) -> uuid.UUID:
    # Organizations have no uuid of their own; MISP needs one per creator organization.
    return uuid.uuid5(mapping.FEED_NAMESPACE, f"organization:{organization_id}")


def _indicators_of(audience: Audience, event: FeedEvent) -> QuerySet[Indicator]:
    indicators = visible_indicators(audience)
    if event.from_misp:
        # Every organization that imported the event contributes to it. The records' index
        # finds the rows; the source_ref test keeps the grouping the manifest used.
        recorded = MispImportRecord.objects.filter(event_uuid=event.uuid).values("indicator_id")
        return indicators.filter(
            pk__in=recorded, source_ref__startswith=f"MISP event {event.uuid}:"
        )
    assert event.month is not None
    return indicators.exclude(source_ref__regex=rf"^MISP event {_UUID}:").filter(
        organization_id=event.organization_id,
        created_at__year=event.month.year,
        created_at__month=event.month.month,
    )


# --- Files ---------------------------------------------------------------------------------------


def manifest_bytes(events: dict[str, FeedEvent]) -> bytes:
    manifest = {key: _manifest_entry(event) for key, event in events.items()}
    return json.dumps(manifest, ensure_ascii=False).encode()


def _manifest_entry(event: FeedEvent) -> dict[str, Any]:
    return {
        "Orgc": event.extra["orgc"],
        "Tag": [_tag(mapping.tlp_tag(event.tlp), mapping.TLP_COLOURS[event.tlp])],
        "info": event.info,
        "date": event.date.date().isoformat(),
        "analysis": ANALYSIS_COMPLETED,
        "threat_level_id": THREAT_LEVEL_UNDEFINED,
        "timestamp": int(event.timestamp.timestamp()),
    }


def event_chunks(audience: Audience, event: FeedEvent) -> Iterator[bytes]:
    """``{"Event": {..., "Attribute": [...]}}`` written one attribute at a time."""
    head = {
        "uuid": event.uuid,
        **{k: v for k, v in _manifest_entry(event).items() if k != "Tag"},
        "published": True,
        "publish_timestamp": int(event.timestamp.timestamp()),
        "Tag": _manifest_entry(event)["Tag"],
    }
    text = json.dumps(head, ensure_ascii=False)
    yield ('{"Event": ' + text[:-1] + ', "Attribute": [').encode()
    first = True
    for batch in _batches(_indicators_of(audience, event)):
        records = _records_of(event, batch)
        for indicator in batch:
            attribute = _attribute(indicator, records.get(indicator.pk))
            yield (("" if first else ", ") + json.dumps(attribute, ensure_ascii=False)).encode()
            first = False
    yield b"]}}"


def hashes_chunks(audience: Audience) -> Iterator[bytes]:
    """``md5(value),event uuid`` per attribute value, as MISP checks its feeds' contents."""
    rows = (
        visible_indicators(audience)
        .annotate(month=TruncMonth("created_at"))
        .values_list("organization_id", "source_ref", "month", "value")
        .order_by()
    )
    lines: list[str] = []
    for organization_id, source_ref, month, value in rows.iterator(BATCH):
        key, _info, _misp = _event_key(organization_id, source_ref, month)
        lines.append(f"{hashlib.md5(value.encode()).hexdigest()},{key}\n")  # noqa: S324
        if len(lines) >= BATCH:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


# What an attribute needs of an indicator: rows are read as plain values, not model instances
# (building 100,000 instances costs more than the queries).
_ATTRIBUTE_FIELDS = (
    "pk", "uuid", "type", "value", "alerting", "description", "updated_at", "first_seen",
    "last_seen", "tlp", "tags", "rsit",
)  # fmt: skip


def _batches(indicators: QuerySet[Indicator]) -> Iterator[list[Any]]:
    last_pk = 0
    while True:
        rows = indicators.filter(pk__gt=last_pk).order_by("pk").values(*_ATTRIBUTE_FIELDS)
        batch = [SimpleNamespace(**row) for row in rows[:BATCH]]
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def _records_of(event: FeedEvent, batch: list[Any]) -> dict[int, Any]:
    if not event.from_misp:
        return {}
    records: dict[int, Any] = {}
    rows = (
        MispImportRecord.objects.filter(
            event_uuid=event.uuid, indicator_id__in=[i.pk for i in batch]
        )
        .order_by("pk")
        .values("indicator_id", "attribute_uuid", "attribute_type", "category")
    )
    for row in rows:
        records.setdefault(row["indicator_id"], SimpleNamespace(**row))
    return records


def _attribute(indicator: Any, record: Any) -> dict[str, Any]:
    misp_type, category = mapping.FEED_TYPES[indicator.type]
    attribute_uuid = str(indicator.uuid)
    if record is not None and _COMPOSITE not in record.attribute_type:
        parts = mapping.split_value(record.attribute_type, indicator.value)
        if parts and parts[0].type == indicator.type:
            misp_type, category = record.attribute_type, record.category or category
            attribute_uuid = str(record.attribute_uuid)
    return {
        "uuid": attribute_uuid,
        "type": misp_type,
        "category": category,
        "value": indicator.value,
        "to_ids": bool(indicator.alerting),
        "comment": indicator.description[:1000],
        "timestamp": int(indicator.updated_at.timestamp()),
        "first_seen": indicator.first_seen.isoformat(),
        "last_seen": indicator.last_seen.isoformat(),
        "disable_correlation": False,
        "deleted": False,
        "Tag": _attribute_tags(indicator),
    }


def _attribute_tags(indicator: Any) -> list[dict[str, Any]]:
    tags = [_tag(mapping.tlp_tag(indicator.tlp), mapping.TLP_COLOURS[indicator.tlp])]
    names = [str(t) for t in indicator.tags if isinstance(t, str)]
    for name in names:
        if mapping.is_tlp_tag(name) or name.startswith(("misp-orgc:", "misp-object:")):
            continue  # Siaga's own bookkeeping, not the subscriber's business
        tags.append(_tag(name))
    if indicator.rsit and not mapping.rsit_of(names):
        from siaga.incidents.taxonomy import class_of_type

        rsit_class = class_of_type(indicator.rsit)
        if rsit_class:
            tags.append(_tag(f'rsit:{rsit_class}="{indicator.rsit}"'))
    return tags


def _tag(name: str, colour: str = "#999999") -> dict[str, Any]:
    return {"name": name, "colour": colour, "local": False, "relationship_type": ""}
