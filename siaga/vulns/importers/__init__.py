"""Importers of public vulnerability data: CISA KEV (``kev``), CVE JSON 5 (``cve5``), EPSS (``epss``)
and vendors' CSAF 2.0 advisories (``csaf``).

Every importer returns an ``ImportResult``: how many vulnerabilities were created, updated, left
unchanged or skipped, and each problem named by record and field. A document that cannot be read
at all (not JSON, wrong shape) gives ``errors`` and changes nothing. Writes happen in one
transaction per file (KEV, EPSS) or per batch of records (CVE): an import is never half-saved.
Repeating an import with the same input changes nothing and counts everything as unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.utils import timezone

from siaga.vulns.models import Vulnerability

# Rows per INSERT/UPDATE statement and ids per IN (...) lookup: well under SQLite's 32,766 bound
# variables even for bulk_update's CASE WHEN over a dozen fields.
BATCH_SIZE = 500


@dataclass(frozen=True)
class Problem:
    """Why a record (or one of its fields) was not stored: ``record`` names it, ``field`` is the
    path inside it (``dueDate``, ``containers.cna.metrics[0].cvssV3_1.vectorString``)."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


@dataclass
class ImportResult:
    """The counts of one import and what it could not store, and why."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    # KEV only: vulnerabilities that were in the catalog and are no longer (see importers.kev).
    delisted: int = 0
    # CSAF only: vulnerabilities a document named that were not known yet, and the affected
    # product rows written.
    new_vulnerabilities: int = 0
    products: int = 0
    # The document as a whole was refused; nothing was stored.
    errors: list[str] = field(default_factory=list)
    # Skipped records, and fields of stored records that were left out.
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def skip(self, record: str, field_name: str, message: str) -> None:
        self.skipped += 1
        self.problems.append(Problem(record, field_name, message))

    def note(self, record: str, field_name: str, message: str) -> None:
        """A field left out of a record that was otherwise stored."""
        self.problems.append(Problem(record, field_name, message))

    def merge(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.delisted += other.delisted
        self.new_vulnerabilities += other.new_vulnerabilities
        self.products += other.products
        self.errors.extend(other.errors)
        self.problems.extend(other.problems)


def batched[T](items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def too_long(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each text value longer than its column allows."""
    found = []
    for name, value in values.items():
        column = Vulnerability._meta.get_field(name)
        limit = getattr(column, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            found.append((name, f"longer than {limit} characters ({len(value)})"))
    return found


def existing_by_cve(cve_ids: Iterable[str]) -> dict[str, Vulnerability]:
    rows: dict[str, Vulnerability] = {}
    for chunk in batched(cve_ids):
        rows.update((row.cve_id, row) for row in Vulnerability.objects.filter(cve_id__in=chunk))
    return rows


def _is_empty(value: Any) -> bool:
    return value in ("", None, [], {})


def upsert(
    wanted: dict[str, dict[str, Any]],
    source: str,
    result: ImportResult,
    fill: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Create the CVEs of ``wanted`` that are new and update those whose fields differ.

    ``fill`` holds fields an importer only sets when the stored value is empty (the KEV name is a
    fine title until the CVE record brings its own). Call inside a transaction.
    """
    now = timezone.now()
    existing = existing_by_cve(wanted)
    new: list[Vulnerability] = []
    changed_rows: list[Vulnerability] = []
    changed_fields: set[str] = set()
    for cve_id, values in wanted.items():
        extra = (fill or {}).get(cve_id, {})
        row = existing.get(cve_id)
        if row is None:
            new.append(
                Vulnerability(
                    cve_id=cve_id, last_source=source, last_imported_at=now, **extra, **values
                )
            )
            continue
        changes = {name: value for name, value in values.items() if getattr(row, name) != value}
        changes.update(
            (name, value)
            for name, value in extra.items()
            if _is_empty(getattr(row, name)) and not _is_empty(value)
        )
        if not changes:
            result.unchanged += 1
            continue
        for name, value in changes.items():
            setattr(row, name, value)
        row.last_source, row.last_imported_at, row.updated_at = source, now, now
        changed_fields.update(changes)
        changed_rows.append(row)
    Vulnerability.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if changed_rows:
        fields = sorted(changed_fields | {"last_source", "last_imported_at", "updated_at"})
        Vulnerability.objects.bulk_update(changed_rows, fields, batch_size=BATCH_SIZE)
    result.created += len(new)
    result.updated += len(changed_rows)


# One affected-product row as an importer compares it: (status, product_id, name, vendor,
# product, versions, cpe, purl).
ProductRow = tuple[str, str, str, str, str, str, str, str]
_PRODUCT_FIELDS = ("status", "product_id", "name", "vendor", "product", "versions", "cpe", "purl")
_PRODUCT_LIMITS = (15, 255, 1000, 255, 500, 500, 1000, 2000)


def product_row(
    vendor: str,
    product: str,
    versions: str = "",
    status: str = "affected",
    cpe: str = "",
    purl: str = "",
    product_id: str = "",
    name: str = "",
) -> ProductRow:
    """A row with each text cut to its column's length (and without NUL characters, which
    PostgreSQL cannot store)."""
    values = (status, product_id, name, vendor, product, versions, cpe, purl)
    return tuple(  # type: ignore[return-value]
        value.replace("\x00", "").strip()[:limit]
        for value, limit in zip(values, _PRODUCT_LIMITS, strict=True)
    )


def sync_products(wanted: dict[str, list[ProductRow]], source: str, result: ImportResult) -> None:
    """Make each named CVE's affected-product rows of ``source`` (KEV, CVE; not CSAF, whose rows
    belong to their advisory) exactly ``wanted``: a CVE whose rows are already the same is not
    touched, so a repeated import writes nothing. Call inside a transaction, after ``upsert``."""
    from siaga.vulns.models import AffectedProduct

    if not wanted:
        return
    ids: dict[str, int] = {}
    for chunk in batched(wanted):
        ids.update(Vulnerability.objects.filter(cve_id__in=chunk).values_list("cve_id", "pk"))
    stored: dict[int, list[ProductRow]] = {}
    for pks in batched(ids.values()):
        for pk, *values in AffectedProduct.objects.filter(
            source=source, vendor_advisory=None, vulnerability_id__in=pks
        ).values_list("vulnerability_id", *_PRODUCT_FIELDS):
            stored.setdefault(pk, []).append(tuple(values))
    changed: list[int] = []
    rows: list[AffectedProduct] = []
    now = timezone.now()
    for cve_id, products in wanted.items():
        pk = ids.get(cve_id)
        if pk is None:
            continue
        unique = list(dict.fromkeys(products))
        if sorted(unique) == sorted(stored.get(pk, [])):
            continue
        changed.append(pk)
        for values in unique:
            row = AffectedProduct(
                vulnerability_id=pk,
                source=source,
                created_at=now,
                updated_at=now,
                **dict(zip(_PRODUCT_FIELDS, values, strict=True)),
            )
            row.fill_keys()
            rows.append(row)
    for pks in batched(changed):
        AffectedProduct.objects.filter(
            source=source, vendor_advisory=None, vulnerability_id__in=pks
        ).delete()
    AffectedProduct.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    result.products += len(rows)
