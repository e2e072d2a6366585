"""Importing MISP events into the indicator store.

Each attribute (and each attribute of each object) whose type names an observable becomes one
indicator per value (``domain|ip`` gives two); the labels come from the attribute's tags, else the
event's, else the defaults chosen on import. Indicators are written through
``siaga.intel.actions.do_upsert_indicators``, one call per set of labels. ``MispImportRecord`` rows
remember which attribute became which indicator, so importing the same event again updates it.
Whatever is not imported is counted in the result with the reason, never dropped silently.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from siaga.core.observables import normalize
from siaga.integrations.misp import mapping
from siaga.integrations.misp.models import MispImportRecord
from siaga.integrations.misp.parser import (
    DIST_ALL,
    DIST_COMMUNITY,
    DIST_CONNECTED,
    DIST_INHERIT,
    DIST_ORGANIZATION,
    DIST_SHARING_GROUP,
    EXPIRATION,
    FALSE_POSITIVE,
    MispAttribute,
    MispEvent,
    attack_ids,
    date_as_datetime,
)
from siaga.intel.choices import SourceKind
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.choices import ALLOWED_DISTRIBUTIONS, Distribution
from siaga.sharing.models import SharingGroup

MAX_PROBLEMS = 200  # listed in the result; more are only counted
MAX_TAGS = 50  # as many as the indicator store keeps
MAX_TAG_LENGTH = 100


@dataclass(frozen=True)
class ImportDefaults:
    """What the person importing chose: the source organization and the labels to use where the
    event says nothing."""

    organization: Any
    tlp: str
    distribution: str
    sharing_group: SharingGroup | None = None
    created_by: Any = None


@dataclass
class ImportResult:
    """What an import did and did not do."""

    events: list[str] = field(default_factory=list)  # "uuid: info"
    created: int = 0
    updated: int = 0
    sightings: int = 0
    unchanged: int = 0  # values of attributes not changed since they were last imported
    not_imported: Counter[str] = field(default_factory=Counter)  # MISP type → count
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def add_problem(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    @property
    def not_imported_lines(self) -> list[str]:
        return [
            _("not imported: type %(type)s (%(count)d)") % {"type": kind, "count": count}
            for kind, count in sorted(self.not_imported.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "created": self.created,
            "updated": self.updated,
            "sightings": self.sightings,
            "unchanged": self.unchanged,
            "not_imported": dict(sorted(self.not_imported.items())),
            "not_imported_lines": self.not_imported_lines,
            "problems": self.problems,
            "problem_count": self.problem_count,
        }


@dataclass(frozen=True)
class _Known:
    indicator_id: int
    event_timestamp: datetime | None


@dataclass
class _Entry:
    """One observable to store, with where it came from."""

    attribute: MispAttribute
    part: int
    type: str
    value: str  # canonical
    tlp: str
    distribution: str
    sharing_group: SharingGroup | None
    tags: list[str]
    rsit: str
    techniques: list[str]
    valid_until: datetime | None


def import_events(events: Iterable[MispEvent], defaults: ImportDefaults) -> ImportResult:
    """Import the events in one transaction: nothing is saved if one of them cannot be read."""
    result = ImportResult()
    with transaction.atomic():
        for event in events:
            _import_event(event, defaults, result)
    return result


def _import_event(event: MispEvent, defaults: ImportDefaults, result: ImportResult) -> None:
    result.events.append(f"{event.uuid}: {event.info}")
    entries = _entries(event, defaults, result)
    known = _known_records(event, defaults)
    groups: dict[tuple[str, str, int | None], list[_Entry]] = defaultdict(list)
    for entry in entries:
        group_id = entry.sharing_group.pk if entry.sharing_group else None
        groups[(entry.tlp, entry.distribution, group_id)].append(entry)
    for group_entries in groups.values():
        _store(event, group_entries, known, defaults, result)


def _known_records(event: MispEvent, defaults: ImportDefaults) -> dict[tuple[Any, int], _Known]:
    """What an earlier import of this event into the same organization recorded."""
    rows = MispImportRecord.objects.filter(
        event_uuid=event.uuid, organization=defaults.organization
    ).values_list("attribute_uuid", "part", "indicator_id", "event_timestamp")
    return {(a, part): _Known(pk, stamp) for a, part, pk, stamp in rows}


# --- From attributes to entries ------------------------------------------------------------------


def _entries(event: MispEvent, defaults: ImportDefaults, result: ImportResult) -> list[_Entry]:
    event_tlp = mapping.tlp_of(event.tags) or defaults.tlp
    event_distribution, event_group = _distribution(
        event.distribution, event.sharing_group, defaults, None
    )
    entries: list[_Entry] = []
    for attribute in event.attributes:
        parts = mapping.split_value(attribute.type, attribute.value)
        if parts is None:
            result.not_imported[attribute.type] += 1
            continue
        tlp = mapping.tlp_of(attribute.tags) or event_tlp
        level = attribute.distribution
        if level == DIST_INHERIT:
            level = attribute.object_distribution
        distribution, group = (
            (event_distribution, event_group)
            if level == DIST_INHERIT
            else _distribution(level, attribute.sharing_group, defaults, event_group)
        )
        distribution, group = _narrow(tlp, distribution, group)
        tags = _tags(event, attribute)
        for part in parts:
            try:
                canonical = normalize(part.type, part.value)
            except ValidationError as exc:
                result.not_imported[attribute.type] += 1
                result.add_problem(
                    _("Attribute %(uuid)s (%(type)s) %(value)s: %(error)s")
                    % {
                        "uuid": attribute.uuid,
                        "type": attribute.type,
                        "value": part.value[:80],
                        "error": " ".join(exc.messages),
                    }
                )
                continue
            entries.append(
                _Entry(
                    attribute=attribute,
                    part=part.index,
                    type=part.type,
                    value=canonical,
                    tlp=tlp,
                    distribution=distribution,
                    sharing_group=group,
                    tags=tags,
                    rsit=mapping.rsit_of(attribute.tags) or mapping.rsit_of(event.tags),
                    techniques=attack_ids(list(event.tags) + list(attribute.tags)),
                    valid_until=_expiry(attribute),
                )
            )
    return entries


def _distribution(
    level: int, group_name: str, defaults: ImportDefaults, inherited: SharingGroup | None
) -> tuple[str, SharingGroup | None]:
    """A MISP distribution level as Siaga's distribution (and sharing group)."""
    if level == DIST_ORGANIZATION:
        return Distribution.ORGANIZATION, None
    if level in (DIST_COMMUNITY, DIST_CONNECTED, DIST_ALL):
        return Distribution.CONSTITUENTS, None
    if level == DIST_SHARING_GROUP:
        group = _group_named(group_name) or inherited or defaults.sharing_group
        if group is not None:
            return Distribution.SHARING_GROUP, group
        return Distribution.ORGANIZATION, None
    return defaults.distribution, defaults.sharing_group


def _group_named(name: str) -> SharingGroup | None:
    if not name:
        return None
    return SharingGroup.objects.filter(name=name, is_active=True).first()


def _narrow(
    tlp: str, distribution: str, group: SharingGroup | None
) -> tuple[str, SharingGroup | None]:
    """A distribution the TLP does not allow is narrowed to the source organization."""
    if distribution in ALLOWED_DISTRIBUTIONS.get(tlp, frozenset()):
        return distribution, group if distribution == Distribution.SHARING_GROUP else None
    return Distribution.ORGANIZATION, None


def _tags(event: MispEvent, attribute: MispAttribute) -> list[str]:
    """Event and attribute tags without the TLP ones (TLP is a label, not a tag), with the
    creator organization of the event recorded as ``misp-orgc:<name>``."""
    tags: list[str] = []
    for tag in (*event.tags, *attribute.tags):
        if not mapping.is_tlp_tag(tag) and tag not in tags:
            tags.append(tag)
    if event.orgc:
        tags.insert(0, f"misp-orgc:{event.orgc}")
    if attribute.object_name:
        tags.insert(0, f"misp-object:{attribute.object_name}")
    return [tag[:MAX_TAG_LENGTH] for tag in tags][:MAX_TAGS]


def _expiry(attribute: MispAttribute) -> datetime | None:
    expirations = [s.when for s in attribute.sightings if s.type == EXPIRATION]
    return min(expirations) if expirations else None


# --- Writing -------------------------------------------------------------------------------------


def _store(
    event: MispEvent,
    entries: list[_Entry],
    known: dict[tuple[Any, int], _Known],
    defaults: ImportDefaults,
    result: ImportResult,
) -> None:
    """Upsert the entries that are new or changed since the last import of the event; an
    attribute MISP has not touched since then (its timestamp is not newer) is left as it is,
    but its sightings are still read: MISP adds sightings without touching the attribute."""
    fresh = [entry for entry in entries if not _unchanged(entry, known)]
    indicators = _upsert(event, fresh, defaults, result) if fresh else {}
    unchanged = [entry for entry in entries if _unchanged(entry, known)]
    result.unchanged += len(unchanged)
    rows = Indicator.objects.only("pk", "organization_id").in_bulk(
        [known[(e.attribute.uuid, e.part)].indicator_id for e in unchanged]
    )
    for entry in unchanged:
        indicator = rows.get(known[(entry.attribute.uuid, entry.part)].indicator_id)
        if indicator is not None:
            indicators[(entry.type, entry.value)] = indicator
    result.sightings += _add_sightings(entries, indicators, entries[0], defaults)


def _unchanged(entry: _Entry, known: dict[tuple[Any, int], _Known]) -> bool:
    record = known.get((entry.attribute.uuid, entry.part))
    stamp = entry.attribute.timestamp
    return (
        record is not None
        and stamp is not None
        and record.event_timestamp is not None
        and stamp <= record.event_timestamp
    )


def _upsert(
    event: MispEvent, entries: list[_Entry], defaults: ImportDefaults, result: ImportResult
) -> dict[tuple[str, str], Indicator]:
    from siaga.intel.actions import IndicatorInput, do_upsert_indicators

    first = entries[0]
    source_ref = _source_ref(event)
    inputs = [
        IndicatorInput(
            type=entry.type,
            value=entry.value,
            first_seen=_first_seen(event, entry.attribute),
            last_seen=_last_seen(event, entry.attribute),
            valid_until=entry.valid_until,
            description=_description(entry.attribute),
            tags=list(entry.tags),
            attack_techniques=list(entry.techniques),
            rsit=entry.rsit,
            source_ref=source_ref,
        )
        for entry in entries
    ]
    outcome = do_upsert_indicators(
        inputs,
        organization=defaults.organization,
        tlp=first.tlp,
        distribution=first.distribution,
        sharing_group=first.sharing_group,
        created_by=defaults.created_by,
        source_kind=SourceKind.MISP,
    )
    result.created += outcome.created
    result.updated += outcome.updated
    for index, message in outcome.problems:
        entry = entries[index]
        result.add_problem(f"{entry.attribute.type} {entry.value[:80]}: {message}")
    keys = [(entry.type, entry.value) for entry in entries]
    indicators = _indicators_by_id({keys[i]: pk for i, pk in outcome.ids.items()})
    _set_alerting(entries, indicators)
    _record(event, entries, indicators)
    return indicators


def _source_ref(event: MispEvent) -> str:
    return f"MISP event {event.uuid}: {event.info}"[:200]


def _description(attribute: MispAttribute) -> str:
    if attribute.object_name and attribute.comment:
        return f"[{attribute.object_name}] {attribute.comment}"
    return attribute.comment


def _first_seen(event: MispEvent, attribute: MispAttribute) -> datetime | None:
    return (
        attribute.first_seen
        or attribute.timestamp
        or date_as_datetime(event.date)
        or event.timestamp
    )


def _last_seen(event: MispEvent, attribute: MispAttribute) -> datetime | None:
    seen = attribute.last_seen or attribute.timestamp or event.timestamp
    first = _first_seen(event, attribute)
    if seen and first and seen < first:
        return first
    return seen


def _indicators_by_id(ids: dict[tuple[str, str], int]) -> dict[tuple[str, str], Indicator]:
    rows = Indicator.objects.only("pk", "organization_id", "warninglists").in_bulk(
        list(ids.values())
    )
    return {key: rows[pk] for key, pk in ids.items() if pk in rows}


def _set_alerting(entries: list[_Entry], indicators: dict[tuple[str, str], Indicator]) -> None:
    """``to_ids`` decides alerting; a value on a warninglist stays out of alerting whatever the
    event says."""
    alerting: dict[int, bool] = {}
    for entry in entries:
        indicator = indicators.get((entry.type, entry.value))
        if indicator is not None:
            wanted = entry.attribute.to_ids and not indicator.warninglists
            alerting[indicator.pk] = alerting.get(indicator.pk, False) or wanted
    on = [pk for pk, value in alerting.items() if value]
    off = [pk for pk, value in alerting.items() if not value]
    Indicator.objects.filter(pk__in=on).update(alerting=True)
    Indicator.objects.filter(pk__in=off).update(alerting=False)


def _record(
    event: MispEvent, entries: list[_Entry], indicators: dict[tuple[str, str], Indicator]
) -> None:
    """Remember which attribute became which indicator: one INSERT ... ON CONFLICT UPDATE."""
    records: dict[tuple[Any, int], MispImportRecord] = {}
    for entry in entries:
        indicator = indicators.get((entry.type, entry.value))
        if indicator is None:
            continue
        records[(entry.attribute.uuid, entry.part)] = MispImportRecord(
            event_uuid=event.uuid,
            attribute_uuid=entry.attribute.uuid,
            part=entry.part,
            event_info=event.info,
            event_timestamp=event.timestamp,
            attribute_type=entry.attribute.type[:64],
            category=entry.attribute.category[:64],
            organization_id=indicator.organization_id,
            indicator_id=indicator.pk,
        )
    MispImportRecord.objects.bulk_create(
        list(records.values()),
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["event_uuid", "organization", "attribute_uuid", "part"],
        update_fields=_RECORD_FIELDS,
    )


_RECORD_FIELDS = [
    "event_info",
    "event_timestamp",
    "attribute_type",
    "category",
    "indicator",
    "updated_at",
]


def _add_sightings(
    entries: list[_Entry],
    indicators: dict[tuple[str, str], Indicator],
    labels: _Entry,
    defaults: ImportDefaults,
) -> int:
    """MISP sightings (type 0) and false positives (type 1) as Sighting rows; each has a stable
    uuid (MISP's, or one derived from what it says) so a re-import adds nothing twice."""
    rows: list[Sighting] = []
    for entry in entries:
        indicator = indicators.get((entry.type, entry.value))
        if indicator is None:
            continue
        for sighting in entry.attribute.sightings:
            if sighting.type == EXPIRATION:
                continue
            stable = uuid.uuid5(
                mapping.FEED_NAMESPACE,
                f"{sighting.uuid or ''}|{entry.attribute.uuid}|{entry.part}|"
                f"{sighting.type}|{sighting.when.isoformat()}|{sighting.source}",
            )
            rows.append(
                Sighting(
                    uuid=stable,
                    indicator_id=indicator.pk,
                    first_seen=sighting.when,
                    last_seen=sighting.when,
                    count=1,
                    where=sighting.source[:200],
                    is_false_positive=sighting.type == FALSE_POSITIVE,
                    source_kind=SourceKind.MISP,
                    tlp=labels.tlp,
                    distribution=labels.distribution,
                    sharing_group=labels.sharing_group,
                    organization=defaults.organization,
                    created_by=defaults.created_by,
                )
            )
    known = set(
        Sighting.objects.filter(uuid__in=[row.uuid for row in rows]).values_list("uuid", flat=True)
    )
    fresh = list({row.uuid: row for row in rows if row.uuid not in known}.values())
    Sighting.objects.bulk_create(fresh)
    _bump_counters(fresh)
    return len(fresh)


def _bump_counters(rows: list[Sighting]) -> None:
    """Count the new sightings on their indicators, as ``check_add_sighting`` does for one: a
    sighting also moves the indicator's last-seen time forward, a false positive does not. The
    indicators are locked so that a sighting added meanwhile is not lost from the counts."""
    if not rows:
        return
    indicators = (
        Indicator.objects.select_for_update()
        .only("pk", "sighting_count", "false_positive_count", "last_seen")
        .in_bulk(sorted({row.indicator_id for row in rows}))
    )
    for row in rows:
        indicator = indicators[row.indicator_id]
        if row.is_false_positive:
            indicator.false_positive_count += 1
        else:
            indicator.sighting_count += 1
            indicator.last_seen = max(indicator.last_seen, row.last_seen)
    Indicator.objects.bulk_update(
        list(indicators.values()), ["sighting_count", "false_positive_count", "last_seen"]
    )
