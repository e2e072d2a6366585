"""Recording, forgetting and looking up occurrences of values (see ``siaga.correlation.models``).

``record_occurrences(kind, items)`` is the one entry point for every app that holds values
(incident observables, indicators, STIX objects, feeds, MISP imports). It is idempotent — the same
(kind, object, value) twice is one occurrence — and respects the per-value cap
``SIAGA_CORRELATION_MAX_PER_VALUE``: beyond it an occurrence is only counted. On PostgreSQL a batch
is copied into a temporary table and placed with one ``INSERT ... SELECT`` (window functions for
the cap, ``ON CONFLICT`` for idempotency and the counts); elsewhere chunked ``bulk_create`` does the
same. The cap is a guard against explosion, not an exact quota: batches committing at the same
moment may each fill the last free places of a value, so it can be exceeded by their size.

``correlations_for(user, type, value)`` answers "who else holds this?" with only the holders the
user may see (``siaga.correlation.holders``).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.observables import ObservableType, normalize, value_key
from siaga.correlation import holders as holder_registry
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.holders import Holder
from siaga.correlation.models import DISPLAY_VALUE_LENGTH, CorrelatedValue
from siaga.correlation.models import Occurrence as StoredOccurrence
from siaga.correlation.ranges import already_canonical, containing_bounds, value_range

DEFAULT_MAX_PER_VALUE = 1000
SQLITE_CHUNK = 500  # rows per bulk_create; keeps each statement well under SQLite's variable limit
NETWORK_SCAN_LIMIT = 1000  # network occurrences read for one address
ADDRESS_SCAN_LIMIT = 1000  # address occurrences read for one network
ADDRESSES_SHOWN = 100  # distinct addresses listed for one network
BACKFILL_BATCH = 10_000


def max_per_value() -> int:
    """The cap on stored occurrences per value (setting ``SIAGA_CORRELATION_MAX_PER_VALUE``)."""
    cap = getattr(settings, "SIAGA_CORRELATION_MAX_PER_VALUE", DEFAULT_MAX_PER_VALUE)
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        raise ValueError("SIAGA_CORRELATION_MAX_PER_VALUE must be a whole number of at least 1")
    return cap


# --- Recording -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """A value held by one object: what callers pass to ``record_occurrences``."""

    type: str
    value: str
    object_id: int
    organization_id: int | None = None


@dataclass(frozen=True)
class _Row:
    value_key: str
    type: str
    value: str
    object_id: int
    organization_id: int | None
    range_start: str | None
    range_end: str | None


@functools.lru_cache(maxsize=65_536)
def _canonical(kind: str, value: str) -> tuple[str, str, tuple[str, str] | None]:
    """(canonical value, value key, range) of a value; cached because feeds repeat values a lot."""
    canonical = already_canonical(kind, value)
    if canonical is None:
        try:
            canonical = normalize(kind, value)
        except ValidationError as exc:
            raise ValidationError(
                _("Cannot correlate %(type)s value %(value)r: %(error)s")
                % {"type": kind, "value": value[:100], "error": " ".join(exc.messages)}
            ) from None
    return canonical, value_key(kind, canonical), value_range(kind, canonical)


def _prepare(items: Iterable[Occurrence]) -> list[_Row]:
    """Canonical rows, one per (object, value): a value twice on one object is one occurrence."""
    rows: dict[tuple[str, int], _Row] = {}
    for item in items:
        canonical, key, bounds = _canonical(item.type, item.value)
        start, end = bounds if bounds else (None, None)
        rows.setdefault(
            (key, int(item.object_id)),
            _Row(
                key,
                item.type,
                canonical[:DISPLAY_VALUE_LENGTH],
                int(item.object_id),
                item.organization_id,
                start,
                end,
            ),
        )
    return list(rows.values())


def _check_kind(kind: str) -> None:
    if kind not in OccurrenceKind.values:
        raise ValidationError(_("Unknown occurrence kind %(kind)s.") % {"kind": kind})


def record_occurrences(kind: str, items: Iterable[Occurrence]) -> int:
    """Record that objects of ``kind`` hold these values; returns how many rows were stored.

    Every value is checked first: one that is not what its type says raises ValidationError and
    nothing is recorded. Runs in the caller's transaction when there is one.
    """
    _check_kind(kind)
    rows = _prepare(items)
    if not rows:
        return 0
    cap = max_per_value()
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _record_postgresql(kind, rows, cap, now)
        return sum(
            _record_chunk(kind, rows[i : i + SQLITE_CHUNK], cap, now)
            for i in range(0, len(rows), SQLITE_CHUNK)
        )


_INCOMING_COLUMNS = "value_key, type, value, object_id, organization_id, range_start, range_end"


def _record_postgresql(kind: str, rows: list[_Row], cap: int, now: datetime) -> int:
    occurrences = StoredOccurrence._meta.db_table
    values = CorrelatedValue._meta.db_table
    with connection.cursor() as cursor:
        # ON COMMIT DROP: gone with the transaction; IF NOT EXISTS + TRUNCATE: a second batch in
        # the same outer transaction reuses it.
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS correlation_incoming (value_key varchar(64), "
            "type varchar(16), value varchar(512), object_id bigint, organization_id integer, "
            "range_start varchar(32), range_end varchar(32)) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE correlation_incoming")
        with cursor.copy(f"COPY correlation_incoming ({_INCOMING_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.value_key,
                        row.type,
                        row.value,
                        row.object_id,
                        row.organization_id,
                        row.range_start,
                        row.range_end,
                    )
                )
        # Without statistics the planner takes the batch for a few rows; with them it sorts and
        # groups in memory (work_mem). JIT compilation costs more than it saves on this plan. Both
        # for this statement only: the caller's transaction gets its settings back.
        cursor.execute("ANALYZE correlation_incoming")
        cursor.execute(
            "SELECT current_setting('work_mem'), current_setting('jit'), "
            "set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"
        )
        (work_mem, jit, _set_work_mem, _set_jit) = cursor.fetchone()
        cursor.execute(
            _PLACE_SQL.format(occurrences=occurrences, values=values),
            {"kind": kind, "cap": cap, "now": now},
        )
        (stored,) = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)", [work_mem, jit]
        )
    return int(stored)


# One statement (PostgreSQL runs every data-modifying WITH part to completion, read or not): skip
# what is already stored, number each value's new occurrences, keep those within the cap, insert
# them, and add every new occurrence (kept or only counted) to the counts.
# - The two lookups per row are scalar sub-selects (LIMIT 1, not EXISTS) in a MATERIALIZED CTE on
#   purpose: PostgreSQL then runs them as index probes whatever it estimates, where a join or a
#   hashed EXISTS could read the whole store (or, misestimated at one row, nest loops over two
#   CTEs: quadratic).
# - The counts come from one GROUP BY over a UNION ALL, not from joining CTEs, for the same reason.
# - Rows are written in value_key order so that two batches sharing values lock them in the same
#   order (no deadlock).
_PLACE_SQL = """
WITH checked AS MATERIALIZED (
    SELECT i.*,
        (
            SELECT 1 FROM {occurrences} o
            WHERE o.value_key = i.value_key AND o.kind = %(kind)s AND o.object_id = i.object_id
            LIMIT 1
        ) IS NOT NULL AS known,
        COALESCE(
            (SELECT v.stored_count FROM {values} v WHERE v.value_key = i.value_key), 0
        ) AS stored
    FROM correlation_incoming i
),
placed AS (
    SELECT c.*,
        c.stored + row_number() OVER (PARTITION BY c.value_key ORDER BY c.object_id)
            <= %(cap)s AS keep
    FROM checked c
    WHERE NOT c.known
),
inserted AS (
    INSERT INTO {occurrences}
        (value_key, type, value, kind, object_id, organization_id, range_start, range_end,
         created_at)
    SELECT value_key, type, value, %(kind)s, object_id, organization_id, range_start, range_end,
           %(now)s
    FROM placed
    WHERE keep
    ORDER BY value_key, object_id
    ON CONFLICT (value_key, kind, object_id) DO NOTHING
    RETURNING value_key
),
per_value AS (
    SELECT value_key, min(type) AS type, min(value) AS value,
           sum(only_counted) AS only_counted, sum(stored) AS stored
    FROM (
        SELECT value_key, type, value, CASE WHEN keep THEN 0 ELSE 1 END AS only_counted,
               0 AS stored
        FROM placed
        UNION ALL
        SELECT value_key, NULL, NULL, 0, 1 FROM inserted
    ) AS changes
    GROUP BY value_key
),
counted AS (
    INSERT INTO {values}
        (value_key, type, value, occurrence_count, stored_count, capped, first_seen, last_seen)
    SELECT value_key, type, value, only_counted + stored, stored, only_counted > 0,
           %(now)s, %(now)s
    FROM per_value
    WHERE only_counted + stored > 0
    ORDER BY value_key
    ON CONFLICT (value_key) DO UPDATE SET
        occurrence_count = {values}.occurrence_count + EXCLUDED.occurrence_count,
        stored_count = {values}.stored_count + EXCLUDED.stored_count,
        capped = {values}.occurrence_count + EXCLUDED.occurrence_count
                 > {values}.stored_count + EXCLUDED.stored_count,
        last_seen = EXCLUDED.last_seen
)
SELECT COALESCE(sum(stored), 0) FROM per_value
"""


def _record_chunk(kind: str, rows: list[_Row], cap: int, now: datetime) -> int:
    """The portable path (SQLite): the same placement as the PostgreSQL statement, in Python.

    SQLite serializes writers, so reading the counts and then writing them back is safe here.
    """
    keys = sorted({row.value_key for row in rows})
    already = set(
        StoredOccurrence.objects.filter(
            value_key__in=keys, kind=kind, object_id__in=sorted({row.object_id for row in rows})
        ).values_list("value_key", "object_id")
    )
    summaries = {v.value_key: v for v in CorrelatedValue.objects.filter(value_key__in=keys)}
    stored: Counter[str] = Counter({key: v.stored_count for key, v in summaries.items()})
    new_rows: list[StoredOccurrence] = []
    seen: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for row in sorted(rows, key=lambda r: (r.value_key, r.object_id)):
        if (row.value_key, row.object_id) in already:
            continue
        seen[row.value_key] += 1
        if stored[row.value_key] < cap:
            stored[row.value_key] += 1
            kept[row.value_key] += 1
            new_rows.append(_stored_occurrence(kind, row, now))
    StoredOccurrence.objects.bulk_create(new_rows)
    _count(rows, summaries, seen, kept, now)
    return len(new_rows)


def _stored_occurrence(kind: str, row: _Row, now: datetime) -> StoredOccurrence:
    return StoredOccurrence(
        value_key=row.value_key,
        type=row.type,
        value=row.value,
        kind=kind,
        object_id=row.object_id,
        organization_id=row.organization_id,
        range_start=row.range_start,
        range_end=row.range_end,
        created_at=now,
    )


def _count(
    rows: list[_Row],
    summaries: dict[str, CorrelatedValue],
    seen: Counter[str],
    kept: Counter[str],
    now: datetime,
) -> None:
    first_row = {row.value_key: row for row in rows}
    changed, created = [], []
    for key, new in seen.items():
        summary = summaries.get(key)
        if summary is None:
            row = first_row[key]
            summary = CorrelatedValue(
                value_key=key, type=row.type, value=row.value, first_seen=now, last_seen=now
            )
            created.append(summary)
        else:
            changed.append(summary)
        summary.occurrence_count += new
        summary.stored_count += kept[key]
        summary.capped = summary.occurrence_count > summary.stored_count
        summary.last_seen = now
    CorrelatedValue.objects.bulk_create(created)
    CorrelatedValue.objects.bulk_update(
        changed, ["occurrence_count", "stored_count", "capped", "last_seen"]
    )


def forget_occurrences(kind: str, object_ids: Iterable[int]) -> int:
    """Forget everything these objects hold (they were deleted or merged away); returns how many
    occurrences were removed. The counts go down with them; a value no one holds disappears."""
    _check_kind(kind)
    ids = sorted({int(pk) for pk in object_ids})
    removed = 0
    with transaction.atomic():
        for start in range(0, len(ids), SQLITE_CHUNK):
            removed += _forget_chunk(kind, ids[start : start + SQLITE_CHUNK])
    return removed


def _forget_chunk(kind: str, ids: list[int]) -> int:
    held = StoredOccurrence.objects.filter(kind=kind, object_id__in=ids)
    per_value = Counter(held.values_list("value_key", flat=True))
    if not per_value:
        return 0
    held.delete()
    # Grouped by how many went (almost always one): a few UPDATEs with F() — no lost update when
    # another transaction records the same value meanwhile.
    by_amount: dict[int, list[str]] = defaultdict(list)
    for key, amount in per_value.items():
        by_amount[amount].append(key)
    for amount, keys in by_amount.items():
        CorrelatedValue.objects.filter(value_key__in=sorted(keys)).update(
            occurrence_count=Greatest(F("occurrence_count") - amount, 0),
            stored_count=Greatest(F("stored_count") - amount, 0),
        )
    touched = CorrelatedValue.objects.filter(value_key__in=sorted(per_value))
    touched.filter(occurrence_count=0).delete()
    touched.update(
        capped=Case(
            When(occurrence_count__gt=F("stored_count"), then=Value(True)), default=Value(False)
        )
    )
    return sum(per_value.values())


# --- Backfill ------------------------------------------------------------------------------------


def backfill() -> dict[str, int]:
    """Record every existing incident observable and indicator (idempotent: run it again freely).
    Returns the occurrences stored, per kind."""
    from siaga.incidents.models import Observable
    from siaga.intel.models import Indicator

    observables = Observable.objects.filter(incident__merged_into__isnull=True).values_list(
        "pk", "type", "value"
    )
    indicators = Indicator.objects.values_list("pk", "type", "value", "organization_id")
    return {
        OccurrenceKind.OBSERVABLE: _backfill_kind(
            OccurrenceKind.OBSERVABLE,
            (Occurrence(type, value, pk) for pk, type, value in _by_pk(observables)),
        ),
        OccurrenceKind.INDICATOR: _backfill_kind(
            OccurrenceKind.INDICATOR,
            (Occurrence(type, value, pk, org) for pk, type, value, org in _by_pk(indicators)),
        ),
    }


def _by_pk(queryset: Any) -> Iterator[Any]:
    """Every row, read in primary-key order a batch at a time (bounded memory)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BACKFILL_BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def _backfill_kind(kind: str, items: Iterator[Occurrence]) -> int:
    stored = 0
    batch: list[Occurrence] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BACKFILL_BATCH:
            stored += _record_valid(kind, batch)
            batch = []
    return stored + _record_valid(kind, batch)


def _record_valid(kind: str, batch: list[Occurrence]) -> int:
    """Rows written before today's rules may not pass them; skip those rather than stop."""
    valid = []
    for item in batch:
        try:
            _canonical(item.type, item.value)
        except ValidationError:
            continue
        valid.append(item)
    return record_occurrences(kind, valid)


# --- Lookup --------------------------------------------------------------------------------------


@dataclass
class HolderGroup:
    """The visible holders of one kind."""

    kind: str
    holders: list[Holder]

    @property
    def label(self) -> str:
        return str(OccurrenceKind(self.kind).label)


@dataclass
class RelatedValue:
    """A network containing the value, or an address inside it, with its visible holders."""

    type: str
    value: str
    holders: list[Holder]


@dataclass
class Correlations:
    """Everything the user may know about who holds a value."""

    type: str
    value: str
    value_key: str
    occurrence_count: int = 0
    capped: bool = False
    limit: int = DEFAULT_MAX_PER_VALUE
    groups: list[HolderGroup] = field(default_factory=list)
    networks: list[RelatedValue] = field(default_factory=list)
    addresses: list[RelatedValue] = field(default_factory=list)
    addresses_truncated: bool = False

    @property
    def holder_count(self) -> int:
        return sum(len(group.holders) for group in self.groups)


def correlations_for(user: Any, type: str, value: str) -> Correlations:
    """Who holds ``value`` (and, for addresses and networks, the networks around it and the
    addresses inside), as far as ``user`` may see. ValidationError for a malformed value."""
    if type not in ObservableType.values:
        raise ValidationError({"type": _("Unknown observable type.")})
    try:
        canonical = normalize(type, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    key = value_key(type, canonical)
    result = Correlations(type=type, value=canonical, value_key=key, limit=max_per_value())
    summary = (
        CorrelatedValue.objects.filter(value_key=key)
        .values_list("occurrence_count", "capped")
        .first()
    )
    if summary is not None:
        result.occurrence_count, result.capped = summary
    pairs = occurrences_of(key, result.limit)
    visible = holder_registry.resolve_holders(user, pairs)
    result.groups = _grouped([visible[pair] for pair in pairs if pair in visible])
    if type == ObservableType.IP:
        result.networks = _related(user, ObservableType.CIDR, _networks_containing(canonical))
    elif type == ObservableType.CIDR:
        inside = _addresses_inside(canonical)
        result.addresses = _related(user, ObservableType.IP, inside)[:ADDRESSES_SHOWN]
        result.addresses_truncated = len(inside) >= ADDRESS_SCAN_LIMIT or (
            len(result.addresses) >= ADDRESSES_SHOWN
        )
    return result


def occurrences_of(key: str, limit: int) -> list[tuple[str, int]]:
    """The first ``limit`` stored holders of a value, as (kind, object id): the core lookup."""
    return list(
        StoredOccurrence.objects.filter(value_key=key)
        .order_by("pk")
        .values_list("kind", "object_id")[:limit]
    )


def _networks_containing(canonical_ip: str) -> list[tuple[str, str, int]]:
    starts, ends = containing_bounds(canonical_ip)
    if connection.vendor == "postgresql":
        # Two array parameters instead of some 160 placeholders: the same plan, a third the time.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT value, kind, object_id FROM correlation_occurrence "
                "WHERE type = 'cidr' AND range_start = ANY(%s) AND range_end = ANY(%s) "
                "ORDER BY range_start, range_end DESC, id LIMIT %s",
                [starts, ends, NETWORK_SCAN_LIMIT],
            )
            return list(cursor.fetchall())
    return list(
        StoredOccurrence.objects.filter(
            type=ObservableType.CIDR, range_start__in=starts, range_end__in=ends
        )
        .order_by("range_start", "-range_end", "pk")
        .values_list("value", "kind", "object_id")[:NETWORK_SCAN_LIMIT]
    )


def _addresses_inside(canonical_network: str) -> list[tuple[str, str, int]]:
    bounds = value_range(ObservableType.CIDR, canonical_network)
    assert bounds is not None  # a canonical CIDR always has a range
    return list(
        StoredOccurrence.objects.filter(
            type=ObservableType.IP, range_start__gte=bounds[0], range_start__lte=bounds[1]
        )
        .order_by("range_start", "pk")
        .values_list("value", "kind", "object_id")[:ADDRESS_SCAN_LIMIT]
    )


def _related(user: Any, type: str, rows: list[tuple[str, str, int]]) -> list[RelatedValue]:
    """Group (value, kind, id) rows by value, keeping only visible holders and values that have
    at least one: a network no visible object holds is not shown at all."""
    visible = holder_registry.resolve_holders(user, [(kind, pk) for _value, kind, pk in rows])
    by_value: dict[str, list[Holder]] = {}
    for value, kind, pk in rows:
        holder = visible.get((kind, pk))
        if holder is not None:
            by_value.setdefault(value, []).append(holder)
    return [RelatedValue(type, value, found) for value, found in by_value.items()]


def _grouped(found: list[Holder]) -> list[HolderGroup]:
    groups: dict[str, list[Holder]] = {}
    for holder in found:
        groups.setdefault(holder.kind, []).append(holder)
    order = list(OccurrenceKind.values)
    return [HolderGroup(kind, groups[kind]) for kind in sorted(groups, key=order.index)]
