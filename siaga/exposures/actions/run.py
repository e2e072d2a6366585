"""The matching run: inventories against affected products, findings written in batches."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.exposures.choices import Certainty, FindingSource, FindingStatus
from siaga.exposures.matching import InventoryIndex, match_groups
from siaga.exposures.models import Finding, FindingChange
from siaga.organizations.choices import OrganizationKind
from siaga.vulns.choices import ProductStatus
from siaga.vulns.models import AffectedProduct, Vulnerability

logger = logging.getLogger("siaga.exposures")

BATCH = 5000  # findings written per transaction
OBJECT_TYPE = "exposures.finding"
# Statuses the run may turn into resolved_unmatched when the match is gone: a person's verdict
# (remediated, risk accepted, false positive) is left as it is.
UNMATCHABLE = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS, FindingStatus.MITIGATED)
DEFAULT_DUE_DAYS = {"kev": 14, "critical": 15, "high": 30, "medium": 90, "low": 180, "none": 180}

Progress = Callable[[int, int, str], None]


# --- Copied vulnerability facts and the due date ------------------------------------------------


def due_days_policy() -> dict[str, int]:
    return {**DEFAULT_DUE_DAYS, **settings.SIAGA_FINDING_DUE_DAYS}


@dataclass(frozen=True)
class VulnFacts:
    """What a finding copies from its vulnerability."""

    in_kev: bool
    epss_score: float | None
    cvss_score: Decimal | None
    cvss_severity: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> VulnFacts:
        # The newer CVSS version when the record has it, else v3.1.
        if row["cvss4_score"] is not None:
            score, severity = row["cvss4_score"], row["cvss4_severity"]
        else:
            score, severity = row["cvss3_score"], row["cvss3_severity"]
        return cls(bool(row["in_kev"]), row["epss_score"], score, severity or "")

    def due_date(self, first_seen: datetime, policy: dict[str, int]) -> date:
        key = "kev" if self.in_kev else (self.cvss_severity or "none")
        days = policy.get(key, policy.get("none", 180))
        return timezone.localdate(first_seen) + timedelta(days=days)


_VULN_FIELDS = (
    "pk",
    "in_kev",
    "epss_score",
    "cvss3_score",
    "cvss3_severity",
    "cvss4_score",
    "cvss4_severity",
)


def vuln_facts(ids: Iterable[int]) -> dict[int, VulnFacts]:
    facts: dict[int, VulnFacts] = {}
    for batch in itertools.batched(sorted(set(ids)), 5000):
        for row in Vulnerability.objects.filter(pk__in=batch).values(*_VULN_FIELDS):
            facts[row["pk"]] = VulnFacts.of(row)
    return facts


# --- The matching run ---------------------------------------------------------------------------


@dataclass
class ProductRow:
    """An affected product as the run reads it (no model instance per row)."""

    pk: int
    vulnerability_id: int
    vendor: str
    product: str
    vendor_key: str
    product_key: str
    versions: str
    cpe: str
    purl: str


@dataclass
class Wanted:
    organization_id: int
    certainty: str
    product_id: int
    versions: str


@dataclass
class MatchResult:
    items: int = 0
    item_groups: int = 0
    products: int = 0
    matched_pairs: int = 0
    created: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    notified_organizations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "item_groups": self.item_groups,
            "products": self.products,
            "matched_pairs": self.matched_pairs,
            "created": self.created,
            "updated": self.updated,
            "reopened": self.reopened,
            "resolved": self.resolved,
            "notified_organizations": self.notified_organizations,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def _inventory_rows(organization_ids: list[int] | None) -> QuerySet:
    from siaga.constituents.models import InventoryItem

    items = InventoryItem.objects.filter(
        organization__is_active=True, organization__kind=OrganizationKind.CONSTITUENT
    )
    if organization_ids is not None:
        items = items.filter(organization_id__in=organization_ids)
    return items.order_by().values_list(
        "pk", "organization_id", "vendor", "product", "version", "cpe", "purl"
    )


def _affected_products() -> Iterable[ProductRow]:
    rows = (
        AffectedProduct.objects.filter(status=ProductStatus.AFFECTED, vulnerability__rejected=False)
        .order_by("pk")
        .values_list(
            "pk",
            "vulnerability_id",
            "vendor",
            "product",
            "vendor_key",
            "product_key",
            "versions",
            "cpe",
            "purl",
        )
    )
    for row in rows.iterator(chunk_size=5000):
        yield ProductRow(*row)


def wanted_pairs(index: InventoryIndex, result: MatchResult) -> dict[tuple[int, int], Wanted]:
    """(item id, vulnerability id) → what the finding should say; a version-checked match wins
    over an unknown one when several products of one CVE match the same item."""
    wanted: dict[tuple[int, int], Wanted] = {}
    for product in _affected_products():
        result.products += 1
        for members, certainty in match_groups(index, product):
            for member in members:
                item_id, organization_id = member[0], member[1]
                key = (item_id, product.vulnerability_id)
                present = wanted.get(key)
                if present is None or (
                    present.certainty == Certainty.UNKNOWN and certainty == Certainty.VERSION
                ):
                    wanted[key] = Wanted(organization_id, certainty, product.pk, product.versions)
    return wanted


_EXISTING_FIELDS = (
    "pk",
    "inventory_item_id",
    "vulnerability_id",
    "organization_id",
    "status",
    "certainty",
    "in_kev",
    "epss_score",
    "cvss_score",
    "cvss_severity",
    "due_date",
    "first_seen",
    "last_seen",
    "matched_product_id",
    "matched_versions",
)
_REFRESHED = (
    "certainty",
    "in_kev",
    "epss_score",
    "cvss_score",
    "cvss_severity",
    "due_date",
    "matched_product_id",
    "matched_versions",
)


def _existing(organization_ids: list[int] | None) -> QuerySet:
    findings = Finding.objects.filter(source=FindingSource.INVENTORY)
    if organization_ids is not None:
        findings = findings.filter(organization_id__in=organization_ids)
    return findings.order_by().values(*_EXISTING_FIELDS)


def _target_values(wanted: Wanted, facts: VulnFacts, due: date) -> tuple[Any, ...]:
    """The refreshed columns' values (in ``_REFRESHED`` order) a finding should hold."""
    return (
        wanted.certainty,
        facts.in_kev,
        facts.epss_score,
        facts.cvss_score,
        facts.cvss_severity,
        due,
        wanted.product_id,
        wanted.versions[:500],
    )


# New findings are written with these columns (values in this order), then the refreshed ones.
_INSERT_COLUMNS = (
    "organization_id",
    "inventory_item_id",
    "vulnerability_id",
    "source",
    "status",
    "first_seen",
    "last_seen",
    "created_at",
    "updated_at",
    "remediation_notes",
    *_REFRESHED,
)
_UPDATE_COLUMNS = (*_REFRESHED, "last_seen", "updated_at")


@dataclass
class _Plan:
    create: list[tuple[Any, ...]] = field(default_factory=list)  # _INSERT_COLUMNS
    update: list[tuple[Any, ...]] = field(default_factory=list)  # _UPDATE_COLUMNS + pk
    reopen: list[int] = field(default_factory=list)
    resolve: list[tuple[int, str]] = field(default_factory=list)  # (pk, old status)
    touch: list[int] = field(default_factory=list)


def _plan(
    wanted: dict[tuple[int, int], Wanted],
    existing: Iterable[dict[str, Any]],
    facts: dict[int, VulnFacts],
    now: datetime,
) -> _Plan:
    policy = due_days_policy()
    plan = _Plan()
    today_start = now - timedelta(days=1)
    seen: set[tuple[int, int]] = set()
    dues: dict[tuple[int, datetime], date] = {}  # most findings share a first sighting

    def due(vulnerability_id: int, first_seen: datetime) -> date:
        key = (vulnerability_id, first_seen)
        value = dues.get(key)
        if value is None:
            value = dues[key] = facts[vulnerability_id].due_date(first_seen, policy)
        return value

    for row in existing:
        key = (row["inventory_item_id"], row["vulnerability_id"])
        target = wanted.get(key) if row["inventory_item_id"] is not None else None
        if target is None:
            if row["status"] in UNMATCHABLE:
                plan.resolve.append((row["pk"], row["status"]))
            continue
        seen.add(key)
        values = _target_values(target, facts[key[1]], due(key[1], row["first_seen"]))
        if row["status"] == FindingStatus.RESOLVED_UNMATCHED:
            plan.reopen.append(row["pk"])
        if any(_differs(row[name], value) for name, value in zip(_REFRESHED, values, strict=True)):
            plan.update.append((*values, now, now, row["pk"]))
        elif row["last_seen"] < today_start:
            plan.touch.append(row["pk"])
    fixed = (FindingSource.INVENTORY.value, FindingStatus.OPEN.value, now, now, now, now, "")
    for key, target in wanted.items():
        if key in seen:
            continue
        item_id, vulnerability_id = key
        values = _target_values(target, facts[vulnerability_id], due(vulnerability_id, now))
        plan.create.append((target.organization_id, item_id, vulnerability_id, *fixed, *values))
    return plan


def _differs(stored: Any, value: Any) -> bool:
    if isinstance(stored, Decimal) or isinstance(value, Decimal):
        if stored is None or value is None:
            return stored is not value
        return Decimal(stored) != Decimal(value)
    if isinstance(stored, float) or isinstance(value, float):
        if stored is None or value is None:
            return stored is not value
        return abs(float(stored) - float(value)) > 1e-9
    return bool(stored != value)


class _Adapter:
    """Python values → what the database driver takes, per column, remembering repeated values
    (the run's timestamp, due dates and scores repeat across thousands of rows)."""

    _PREPARED = (models.DateTimeField, models.DateField, models.DecimalField)

    def __init__(self, columns: Iterable[str]) -> None:
        self.fields = [Finding._meta.get_field(column) for column in columns]
        self.memo: list[dict[Any, Any]] = [{} for _ in self.fields]

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        adapted = []
        for field_, memo, value in zip(self.fields, self.memo, values, strict=False):
            if value is None or not isinstance(field_, self._PREPARED):
                adapted.append(value)
                continue
            prepared = memo.get(value)
            if prepared is None:
                prepared = memo[value] = field_.get_db_prep_save(value, connection)
            adapted.append(prepared)
        adapted.extend(values[len(self.fields) :])  # the trailing pk of an update
        return tuple(adapted)


def _column(name: str) -> str:
    model_field = Finding._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return connection.ops.quote_name(model_field.column or name)


def _insert(rows: Sequence[tuple[Any, ...]]) -> None:
    """Write new findings; a pair that a concurrent run made first is skipped, as the unique
    constraint says. PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON
    CONFLICT DO NOTHING (a multi-row INSERT was five times slower); SQLite: one parameterized
    INSERT run by its driver's C loop (executemany). Table and column names come from the
    model; every value is a parameter or copied data."""
    adapted = [_Adapter(_INSERT_COLUMNS).row(row) for row in rows]
    table = connection.ops.quote_name(Finding._meta.db_table)
    columns = ", ".join(_column(name) for name in _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_stage(cursor, columns, adapted)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGE} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {_STAGE}")
        else:
            marks = ", ".join(["%s"] * len(_INSERT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # noqa: S608
                adapted,
            )


def _update(rows: Sequence[tuple[Any, ...]]) -> None:
    """Refresh findings (e.g. every EPSS score after a daily import): PostgreSQL, COPY into a
    temporary table and one UPDATE … FROM it; SQLite, executemany."""
    adapted = [_Adapter(_UPDATE_COLUMNS).row(row) for row in rows]
    table = connection.ops.quote_name(Finding._meta.db_table)
    key = _column("id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(_column(name) for name in (*_UPDATE_COLUMNS, "id"))
            _pg_stage(cursor, columns, adapted)
            assignments = ", ".join(
                f"{_column(name)} = {_STAGE}.{_column(name)}" for name in _UPDATE_COLUMNS
            )
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {_STAGE} "  # noqa: S608
                f"WHERE {table}.{key} = {_STAGE}.{key}"
            )
            cursor.execute(f"DROP TABLE {_STAGE}")
        else:
            assignments = ", ".join(f"{_column(name)} = %s" for name in _UPDATE_COLUMNS)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {key} = %s",  # noqa: S608
                adapted,
            )


_STAGE = "exposures_finding_stage"


def _pg_stage(cursor: Any, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """A temporary table shaped like the chosen finding columns, filled by COPY. The caller drops
    it once used (and it goes with the transaction anyway, should that fail first; inside an
    outer transaction, as in tests, the batch's atomic block is only a savepoint)."""
    table = connection.ops.quote_name(Finding._meta.db_table)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_STAGE} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {columns} FROM {table} WITH NO DATA"
    )
    with cursor.cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write(plan: _Plan, now: datetime, progress: Progress | None) -> None:
    total = len(plan.create) + len(plan.update) + len(plan.reopen) + len(plan.resolve)
    done = 0

    def step(count: int, what: str) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, what)

    for batch in itertools.batched(plan.create, BATCH):
        with transaction.atomic():
            _insert(batch)
        step(len(batch), "creating findings")
    for batch in itertools.batched(plan.update, BATCH):
        with transaction.atomic():
            _update(batch)
        step(len(batch), "refreshing findings")
    for ids in itertools.batched(plan.reopen, BATCH):
        with transaction.atomic():
            _set_status_automatically(list(ids), FindingStatus.OPEN, now, reopened=True)
        step(len(ids), "reopening findings")
    for pairs in itertools.batched(plan.resolve, BATCH):
        with transaction.atomic():
            _set_status_automatically(
                [pk for pk, _old in pairs], FindingStatus.RESOLVED_UNMATCHED, now, old=dict(pairs)
            )
        step(len(pairs), "resolving findings that no longer match")
    for ids in itertools.batched(plan.touch, BATCH):
        Finding.objects.filter(pk__in=ids).update(last_seen=now)


def _set_status_automatically(
    ids: list[int],
    status: str,
    now: datetime,
    *,
    old: dict[int, str] | None = None,
    reopened: bool = False,
) -> None:
    changes: dict[str, Any] = {"status": status, "status_changed_at": now, "updated_at": now}
    if reopened:
        # A match that came back is news again: the constituent hears about it.
        changes["notified_at"] = None
    Finding.objects.filter(pk__in=ids).update(**changes)
    comment = (
        "The product matches again." if reopened else "The system no longer matches the product."
    )
    old = old or {}
    stamp = FindingChange._meta.get_field("created_at").get_db_prep_save(now, connection)
    _insert_changes(
        [
            (pk, stamp, True, old.get(pk, FindingStatus.RESOLVED_UNMATCHED), status, comment)
            for pk in ids
        ]
    )


_CHANGE_COLUMNS = ("finding_id", "created_at", "automatic", "old_status", "new_status", "comment")


def _insert_changes(rows: list[tuple[Any, ...]]) -> None:
    """The run's history rows (thousands when a product list changes): COPY on PostgreSQL,
    executemany elsewhere; values already in database form."""
    table = connection.ops.quote_name(FindingChange._meta.db_table)
    names = []
    for name in _CHANGE_COLUMNS:
        model_field = FindingChange._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        names.append(connection.ops.quote_name(model_field.column or name))
    columns = ", ".join(names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_CHANGE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def do_match_all(
    *,
    organization_ids: list[int] | None = None,
    progress: Progress | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> MatchResult:
    """Match every affected product against the inventories (of ``organization_ids`` only when
    given) and bring the findings up to date; then notify constituents of their new findings."""
    import time

    now = now or timezone.now()
    result = MatchResult()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        current = time.perf_counter()
        result.seconds[name] = current - clock
        clock = current

    index = InventoryIndex(_inventory_rows(organization_ids).iterator(chunk_size=10000))
    result.items, result.item_groups = index.item_count, index.group_count
    lap("read_inventory")
    wanted = wanted_pairs(index, result)
    result.matched_pairs = len(wanted)
    lap("match")
    existing = list(_existing(organization_ids))
    facts = vuln_facts([vuln for _item, vuln in wanted] + [r["vulnerability_id"] for r in existing])
    plan = _plan(wanted, existing, facts, now)
    lap("compare")
    _write(plan, now, progress)
    result.created, result.updated = len(plan.create), len(plan.update)
    result.reopened, result.resolved = len(plan.reopen), len(plan.resolve)
    lap("write")
    if result.created or result.updated or result.reopened or result.resolved:
        with transaction.atomic():
            do_record_event(
                AuditAction.UPDATE,
                object_type=OBJECT_TYPE,
                object_repr="exposure matching run",
                changes={
                    "event": "matching run",
                    "organizations": organization_ids or "all",
                    **{k: v for k, v in result.as_dict().items() if k != "seconds"},
                },
            )
    if notify:
        from siaga.exposures.actions.notify import do_notify_new_findings

        result.notified_organizations = do_notify_new_findings(organization_ids)
        lap("notify")
    return result


def do_match_organization(organization_id: int, **kwargs: Any) -> MatchResult:
    """The run for one constituent, after its inventory changed."""
    return do_match_all(organization_ids=[organization_id], **kwargs)
