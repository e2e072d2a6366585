"""STIX 2.0 and 2.1 import into the STIX store.

A bundle file is read as a stream (``ijson`` over ``objects.item``), so a 1 GB bundle imports in
bounded memory: ``BATCH_SIZE`` objects are checked (``siaga.stix.validation``), labelled
(``siaga.stix.tlp``) and written at a time. Each object is re-serialized once with ``orjson``
into ``raw``, keeping every custom property.

Reading a file, parsing and checking run in a reader thread a few chunks ahead of the writer
(``_read_ahead``), so the next batch is being read while the database stores the last one; the
thread touches neither the database nor the result.

Writing a batch: on PostgreSQL the rows are copied (COPY text, built in one pass) into a
temporary table and moved with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, so a version
already stored (a re-import) is a duplicate and never an error, even with two imports at once;
elsewhere (SQLite, whose writers are serialized) the stored versions are looked up and the new
ones bulk-created. Then ``is_latest`` is recomputed in SQL for the ids that now have more than
one version (the newest wins, whatever the arrival order), references to objects not stored yet
are kept as ``PendingReference`` rows, and those pointing at the batch's objects are resolved.
A batch that commits on its own does not wait for its WAL flush (``_prepare_transaction``).
Figures: ``benchmarks/bench_stix_import.py``.

A problem with one object never stops the import: the object is reported (index in the bundle,
id, the property at fault) and the rest go on. A file that stops being JSON half-way keeps the
objects read before the break and reports where it broke.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import ijson
import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, reset_queries, transaction
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.core.observables import ObservableType, normalize
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.intel.choices import SourceKind
from siaga.organizations.models import Organization
from siaga.sharing.models import SharingGroup
from siaga.stix.models import PendingReference, StixObject
from siaga.stix.tlp import TLP_OF_MARKING, is_more_restrictive, marked_tlp, narrowed_sharing
from siaga.stix.validation import (
    SIMPLE_PATTERN_RE,
    TYPE_RE,
    CheckedObject,
    StixProblem,
    check_object,
    parse_timestamp,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 5_000
# A result lists at most this many problems (the rest are counted) and this many added ids, so
# that a huge bad file cannot exhaust memory through its report.
MAX_LISTED_PROBLEMS = 1_000
MAX_LISTED_IDS = 10_000

try:
    _IJSON = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - the C backend is in the wheels we install
    _IJSON = ijson

ProgressCallback = Callable[[int, int, int], None]  # (objects read, bytes read, bytes in total)


@dataclass(frozen=True)
class SharingLabels:
    """The labels given to imported objects (a collection's, or chosen on upload)."""

    organization: Organization
    tlp: str
    distribution: str
    sharing_group: SharingGroup | None = None
    created_by: User | None = None


@dataclass
class ObjectProblem:
    """Why one entry of a bundle was not stored."""

    index: int
    stix_id: str | None
    message: str


@dataclass
class ImportResult:
    """What an import did; ``failures`` names every entry that was not stored."""

    added: int = 0
    duplicates: int = 0
    custom: int = 0
    pending_references: int = 0
    failures: list[ObjectProblem] = field(default_factory=list)
    added_ids: list[tuple[str, str]] = field(default_factory=list)
    # Beyond MAX_LISTED_PROBLEMS problems are counted here rather than listed.
    unlisted_failures: int = 0
    custom_types: Counter[str] = field(default_factory=Counter)
    indicators_derived: int = 0
    warnings: list[ObjectProblem] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures) + self.unlisted_failures

    @property
    def total(self) -> int:
        return self.added + self.duplicates + self.failed

    def report(self, index: int, stix_id: str | None, message: str) -> None:
        if len(self.failures) < MAX_LISTED_PROBLEMS:
            self.failures.append(ObjectProblem(index, stix_id, message))
        else:
            self.unlisted_failures += 1

    def warn(self, index: int, stix_id: str | None, message: str) -> None:
        """Something derived from a stored object could not be made (the object is stored)."""
        if len(self.warnings) < MAX_LISTED_PROBLEMS:
            self.warnings.append(ObjectProblem(index, stix_id, message))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able summary for job results, the API and the audit trail."""
        return {
            "added": self.added,
            "duplicates": self.duplicates,
            "custom": self.custom,
            "custom_types": dict(self.custom_types),
            "pending_references": self.pending_references,
            "indicators_derived": self.indicators_derived,
            "failed": self.failed,
            "failures": [
                {"index": p.index, "id": p.stix_id, "message": p.message} for p in self.failures
            ],
            "unlisted_failures": self.unlisted_failures,
            "warnings": [
                {"index": p.index, "id": p.stix_id, "message": p.message} for p in self.warnings
            ],
        }


class BundleTooLarge(Exception):
    """More objects than the caller allows; the whole import is rolled back."""


@dataclass(slots=True)
class _Row:
    """A checked object, labelled and serialized, on its way into the store."""

    index: int
    checked: CheckedObject
    version: datetime
    raw: str
    tlp: str
    distribution: str
    sharing_group_id: int | None
    revoked: bool
    obj: dict[str, Any] | None  # kept only for indicators and observables (derived records)


def _dump(obj: dict[str, Any]) -> str:
    try:
        return orjson.dumps(obj).decode()
    except (orjson.JSONEncodeError, TypeError):
        # Integers beyond 64 bits and lone surrogates: orjson refuses them, json keeps them.
        return json.dumps(obj, separators=(",", ":"))


class _Importer:
    """Checks, labels and writes objects batch by batch, filling one ImportResult."""

    def __init__(
        self,
        labels: SharingLabels,
        source: str,
        *,
        strict_labels: bool = False,
        collect_ids: int = MAX_LISTED_IDS,
        derive: bool = True,
    ) -> None:
        self.derive = derive
        self.labels = labels
        self.source = source[:200]
        self.strict_labels = strict_labels
        self.collect_ids = collect_ids
        self.result = ImportResult()
        self.batch: list[_Row] = []
        self.now = timezone.now()
        self._pending_by_target: Counter[str] = Counter()

    # --- one object ---------------------------------------------------------------------------
    def add(self, index: int, obj: Any) -> None:
        self.accept(self.prepare(index, obj))

    def prepare(self, index: int, obj: Any) -> _Row | ObjectProblem:
        """Check, label and serialize one object. Touches neither the database nor the result,
        so a reader thread can run it while the previous batch is being written."""
        try:
            checked = check_object(obj)
            return self._row(index, obj, checked)
        except StixProblem as problem:
            stix_id = obj.get("id") if isinstance(obj, dict) else None
            return ObjectProblem(index, stix_id if isinstance(stix_id, str) else None, str(problem))

    def accept(self, prepared: _Row | ObjectProblem) -> None:
        """Report a refused object, or queue a row and write the batch once it is full."""
        if isinstance(prepared, ObjectProblem):
            self.result.report(prepared.index, prepared.stix_id, prepared.message)
            return
        self.batch.append(prepared)
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def _row(self, index: int, obj: dict[str, Any], checked: CheckedObject) -> _Row:
        tlp, distribution, group = self._sharing_of(obj)
        keep_obj = self.derive and (
            checked.type == "indicator" or checked.type in _OBSERVABLE_TYPES
        )
        return _Row(
            index=index,
            checked=checked,
            version=checked.version or self.now,
            raw=_dump(obj),
            tlp=tlp,
            distribution=distribution,
            sharing_group_id=group.pk if group is not None else None,
            revoked=bool(obj.get("revoked", False)),
            obj=obj if keep_obj else None,
        )

    def _sharing_of(self, obj: dict[str, Any]) -> tuple[str, str, SharingGroup | None]:
        labels = self.labels
        marked = marked_tlp(obj)
        if marked is None or not is_more_restrictive(marked, labels.tlp):
            return labels.tlp, labels.distribution, labels.sharing_group
        if self.strict_labels:
            raise StixProblem(
                _(
                    "“object_marking_refs”: the object is marked %(marked)s, more restrictive "
                    "than this collection's %(tlp)s."
                )
                % {"marked": f"TLP:{marked.upper()}", "tlp": f"TLP:{labels.tlp.upper()}"}
            )
        distribution, group = narrowed_sharing(marked, labels.distribution, labels.sharing_group)
        return marked, distribution, group

    # --- one batch ----------------------------------------------------------------------------
    def flush(self) -> None:
        rows, self.batch = self.batch, []
        if not rows:
            return
        rows = self._drop_repeats(rows)
        commits_alone = not connection.in_atomic_block
        with transaction.atomic():
            batch_ids = {row.checked.stix_id for row in rows}
            targets = {
                target
                for row in rows
                for _prop, target in row.checked.references
                if target not in TLP_OF_MARKING
            }
            if _on_postgresql():
                _prepare_transaction(commits_alone)
                # The INSERT itself tells which of the batch's ids were stored before; only the
                # referenced ids from outside the batch are looked up.
                inserted, stored = _insert_postgresql(self, rows)
                stored |= _stored_ids(sorted(targets - batch_ids))
            else:
                # One lookup per batch: which of its ids and of the ids it refers to are stored.
                stored = _stored_ids(sorted(batch_ids | targets))
                rows = self._without_stored_unversioned(rows, stored)
                inserted = _insert_other(self, rows)
            if not inserted:
                return
            _fix_latest(_ids_with_versions(inserted, stored))
            self._record_references(inserted, stored | batch_ids)
            if self.derive:
                self._derive(inserted)
        self._count_added(inserted)
        if settings.DEBUG:
            # With DEBUG, Django keeps the text of recent queries, and a batch's id lists make
            # them large: a long import would grow by megabytes a batch.
            reset_queries()

    def _drop_repeats(self, rows: list[_Row]) -> list[_Row]:
        """The same version twice in one batch: the first is stored, the second a duplicate."""
        seen: set[tuple[str, datetime]] = set()
        unique: list[_Row] = []
        for row in rows:
            key = (row.checked.stix_id, row.version)
            if key in seen:
                self.result.duplicates += 1
                continue
            seen.add(key)
            unique.append(row)
        return unique

    def _without_stored_unversioned(self, rows: list[_Row], stored: set[str]) -> list[_Row]:
        """An object without ``modified`` or ``created`` (a cyber observable) has one version:
        when its id is stored already, importing it again is a duplicate."""
        if not any(row.checked.version is None for row in rows):
            return rows
        kept = []
        for row in rows:
            if row.checked.version is None and row.checked.stix_id in stored:
                self.result.duplicates += 1
            else:
                kept.append(row)
        return kept

    def _count_added(self, inserted: list[tuple[_Row, int]]) -> None:
        result = self.result
        result.added += len(inserted)
        for row, _pk in inserted:
            if row.checked.is_custom:
                result.custom += 1
                result.custom_types[row.checked.type] += 1
            if len(result.added_ids) < self.collect_ids:
                result.added_ids.append((row.checked.stix_id, stix_timestamp(row.version)))

    def _record_references(self, inserted: list[tuple[_Row, int]], present: set[str]) -> None:
        """``present``: the ids stored before this batch, and the batch's own."""
        wanted = {
            (pk, prop, target)
            for row, pk in inserted
            for prop, target in row.checked.references
            if target not in TLP_OF_MARKING
        }
        missing = [
            PendingReference(source_id=pk, target_id=target, property_name=prop[:120])
            for pk, prop, target in sorted(wanted)
            if target not in present
        ]
        PendingReference.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2_000)
        self._pending_by_target.update(ref.target_id for ref in missing)
        self._resolve(sorted({row.checked.stix_id for row, _pk in inserted}))

    def _resolve(self, arrived: list[str]) -> None:
        """References waiting for the objects that just arrived are resolved: their rows go."""
        if not PendingReference.objects.exists():
            return
        if _on_postgresql():
            with connection.cursor() as cursor, _index_scans(cursor):
                cursor.execute(
                    f"DELETE FROM {PendingReference._meta.db_table} "  # noqa: S608
                    "WHERE target_id = ANY(string_to_array(%s, ','))",
                    [_id_list(arrived)],
                )
        else:
            for chunk in _chunks(arrived, 500):
                PendingReference.objects.filter(target_id__in=chunk)._raw_delete(
                    PendingReference.objects.db
                )
        for stix_id in arrived:
            self._pending_by_target.pop(stix_id, None)

    def _derive(self, inserted: list[tuple[_Row, int]]) -> None:
        latest = [(row, pk) for row, pk in inserted if row.obj is not None and not row.revoked]
        if not latest:
            return
        derived, problems = derive_indicators(self.labels, [row for row, _pk in latest])
        self.result.indicators_derived += derived
        for row, message in problems:
            self.result.warn(row.index, row.checked.stix_id, message)
        record_observables(self.labels, latest)

    def finish(self) -> ImportResult:
        self.flush()
        self.result.pending_references = sum(self._pending_by_target.values())
        return self.result


_OBSERVABLE_TYPES = frozenset(
    {"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file", "mac-addr"}
)


def stix_timestamp(value: datetime) -> str:
    """A version as STIX/TAXII write it: UTC with microseconds and Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def _index_scans(cursor: Any) -> Iterator[None]:
    """Look ids up through the indexes. A table filling up during a big import has no fresh
    statistics, and the planner then reads all of it for every batch (quadratic)."""
    cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('enable_seqscan', 'on', true)")


def _stored_ids(stix_ids: list[str]) -> set[str]:
    """Which of these ids the store holds (any version)."""
    if not stix_ids:
        return set()
    if _on_postgresql():
        with connection.cursor() as cursor, _index_scans(cursor):
            cursor.execute(
                f"SELECT DISTINCT stix_id FROM {StixObject._meta.db_table} "  # noqa: S608
                "WHERE stix_id = ANY(string_to_array(%s, ','))",
                [_id_list(stix_ids)],
            )
            return {stix_id for (stix_id,) in cursor.fetchall()}
    stored: set[str] = set()
    for chunk in _chunks(stix_ids, 500):
        stored.update(
            StixObject.objects.filter(stix_id__in=chunk).values_list("stix_id", flat=True)
        )
    return stored


def _id_list(stix_ids: list[str]) -> str:
    """Ids for ``ANY(string_to_array(%s, ','))``: one string is sent as it is, where psycopg
    adapts a list of 5,000 strings in Python (about 10 ms of the importer's time a batch).
    Identifiers were checked (``type--uuid``): they hold no comma."""
    return ",".join(stix_ids)


def _prepare_transaction(commits_alone: bool) -> None:
    """Settings for the batch's transaction, in one round trip.

    No JIT: with sequential scans disabled (``_index_scans``) a scan of the temporary table is
    costed at 10^10, and PostgreSQL would spend 100+ ms compiling a 5,000-row statement.

    A batch that commits on its own (a file import outside any transaction) does not wait for
    its WAL to reach the disk: 200 batches a million objects, each an fsync otherwise. Should
    the database server crash in between, the last batches are lost, exactly as if the worker
    had died there: the job fails and running the import again stores them (the rest are
    duplicates). Any later ordinary commit (the job's own row) makes them durable too."""
    settings_sql = "SELECT set_config('jit', 'off', true)"
    if commits_alone:
        settings_sql += ", set_config('synchronous_commit', 'off', true)"
    with connection.cursor() as cursor:
        cursor.execute(settings_sql)


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- writing: PostgreSQL ----------------------------------------------------------------------

_COLUMNS = (
    "tlp",
    "distribution",
    "sharing_group_id",
    "organization_id",
    "created_by_id",
    "stix_id",
    "type",
    "spec_version",
    "version",
    "date_added",
    "is_latest",
    "revoked",
    "raw",
    "source",
)
# What varies from row to row goes through the temporary table; the rest (the source
# organization, who imported, when, the source) is the same for the whole import and is given
# once, as parameters of the INSERT.
_BATCH_COLUMNS = (
    "n",
    "unversioned",
    "tlp",
    "distribution",
    "sharing_group_id",
    "stix_id",
    "type",
    "spec_version",
    "version",
    "revoked",
    "raw",
)
_PG_TYPES = {
    "n": "integer",
    "unversioned": "boolean",
    "tlp": "varchar(16)",
    "distribution": "varchar(16)",
    "sharing_group_id": "bigint",
    "stix_id": "varchar(120)",
    "type": "varchar(64)",
    "spec_version": "varchar(8)",
    "version": "timestamptz",
    "revoked": "boolean",
    "raw": "text",
}
_CONSTANT_COLUMNS = ("organization_id", "created_by_id", "date_added", "is_latest", "source")


def _insert_postgresql(
    importer: _Importer, rows: list[_Row]
) -> tuple[list[tuple[_Row, int]], set[str]]:
    """COPY into a temporary table, then move what is new. Returns the rows stored, with pks,
    and those of their ids that the store held before (in other versions)."""
    labels = importer.labels
    constants = (
        labels.organization.pk,
        labels.created_by.pk if labels.created_by is not None else None,
        importer.now,
        True,
        importer.source,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stix_import_rows "
            f"({', '.join(f'{c} {_PG_TYPES[c]}' for c in _BATCH_COLUMNS)}) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE stix_import_rows")
        with cursor.cursor.copy(
            f"COPY stix_import_rows ({', '.join(_BATCH_COLUMNS)}) FROM STDIN"
        ) as copy:
            copy.write(_copy_text(rows))
        with _index_scans(cursor):
            cursor.execute(_MOVE_NEW_ROWS, constants)
            returned = cursor.fetchall()
    inserted = [(rows[n], pk) for pk, n, _before in returned]
    stored_before = {rows[n].checked.stix_id for _pk, n, before in returned if before}
    importer.result.duplicates += len(rows) - len(inserted)
    return inserted, stored_before


# The new rows come back as (pk, position in the batch, whether the id was stored before):
# returning the version meant parsing 5,000 timestamps a batch in Python. The query around the
# INSERT sees the table as it was before it (one snapshot for the whole statement), so its
# EXISTS finds the versions stored by earlier imports and batches only. An object without a
# version (a cyber observable) whose id is stored already is a duplicate and is not inserted.
_VARYING = ", ".join(c for c in _COLUMNS if c not in _CONSTANT_COLUMNS)
_TABLE = StixObject._meta.db_table
_MOVE_NEW_ROWS = (
    f"WITH added AS (INSERT INTO {_TABLE} "  # noqa: S608 - names are ours
    f"({_VARYING}, {', '.join(_CONSTANT_COLUMNS)}) "
    f"SELECT {_VARYING}, %s, %s, %s, %s, %s FROM stix_import_rows b "
    "WHERE CASE WHEN b.unversioned "  # CASE: the lookup for those rows only
    f"THEN NOT EXISTS (SELECT 1 FROM {_TABLE} s WHERE s.stix_id = b.stix_id) ELSE true END "
    "ORDER BY n ON CONFLICT (stix_id, version) DO NOTHING RETURNING id, stix_id, version) "
    "SELECT added.id, b.n, "
    f"EXISTS (SELECT 1 FROM {_TABLE} s WHERE s.stix_id = added.stix_id) "
    "FROM added JOIN stix_import_rows b USING (stix_id, version) ORDER BY added.id"
)


def _copy_text(rows: list[_Row]) -> str:
    """The rows in COPY's text format, built in one pass: psycopg's ``write_row`` adapts every
    value on its own, about a third of the importer's time per row.

    Only ``raw`` needs escaping, and only its backslashes: JSON text holds no tab, newline or
    carriage return outside its strings and escapes them inside. The other values were checked
    (identifiers, types, ``2.0``/``2.1``) or are Siaga's own (TLP and distribution values)."""
    return "".join(
        f"{n}\t{'t' if row.checked.version is None else 'f'}\t{row.tlp}\t{row.distribution}\t"
        f"{_COPY_NULL if row.sharing_group_id is None else int(row.sharing_group_id)}\t"
        f"{row.checked.stix_id}\t{row.checked.type}\t{row.checked.spec_version}\t"
        f"{row.version.isoformat()}\t{'t' if row.revoked else 'f'}\t"
        f"{row.raw.replace(_BACKSLASH, _ESCAPED_BACKSLASH)}\n"
        for n, row in enumerate(rows)
    )


_COPY_NULL = "\\N"
_BACKSLASH = "\\"
_ESCAPED_BACKSLASH = "\\\\"


# --- writing: other databases (SQLite) ------------------------------------------------------------


def _insert_other(importer: _Importer, rows: list[_Row]) -> list[tuple[_Row, int]]:
    """Look up the versions already stored, bulk-create the rest (SQLite serializes writers, so
    nothing can slip in between)."""
    stored: set[tuple[str, datetime]] = set()
    ids = sorted({row.checked.stix_id for row in rows})
    for chunk in _chunks(ids, 500):
        stored.update(
            StixObject.objects.filter(stix_id__in=chunk).values_list("stix_id", "version")
        )
    new_rows = [row for row in rows if (row.checked.stix_id, row.version) not in stored]
    objects = [_model_of(importer, row) for row in new_rows]
    StixObject.objects.bulk_create(objects, batch_size=500)
    importer.result.duplicates += len(rows) - len(new_rows)
    return [(row, obj.pk) for row, obj in zip(new_rows, objects, strict=True)]


def _model_of(importer: _Importer, row: _Row) -> StixObject:
    labels = importer.labels
    return StixObject(
        tlp=row.tlp,
        distribution=row.distribution,
        sharing_group_id=row.sharing_group_id,
        organization_id=labels.organization.pk,
        created_by_id=labels.created_by.pk if labels.created_by is not None else None,
        stix_id=row.checked.stix_id,
        type=row.checked.type,
        spec_version=row.checked.spec_version,
        version=row.version,
        date_added=importer.now,
        is_latest=True,
        revoked=row.revoked,
        raw=row.raw,
        source=importer.source,
    )


def _ids_with_versions(inserted: list[tuple[_Row, int]], stored_before: set[str]) -> list[str]:
    """The inserted ids that may now have more than one version: stored before this batch, or
    inserted twice in it. Only their ``is_latest`` can be wrong (a new id's one row is latest).
    Two imports adding versions of one id at the same moment could both leave theirs latest;
    the next import of that id puts it right."""
    counts = Counter(row.checked.stix_id for row, _pk in inserted)
    return sorted(
        stix_id for stix_id, count in counts.items() if count > 1 or stix_id in stored_before
    )


def _fix_latest(stix_ids: list[str]) -> None:
    """Exactly the newest version of each id is the latest, whatever order they arrived in."""
    if not stix_ids:
        return
    table = StixObject._meta.db_table
    if _on_postgresql():
        with connection.cursor() as cursor, _index_scans(cursor):
            cursor.execute(
                f"UPDATE {table} s SET is_latest = (s.version = m.latest) "  # noqa: S608
                f"FROM (SELECT stix_id, max(version) AS latest FROM {table} "
                "WHERE stix_id = ANY(string_to_array(%s, ',')) GROUP BY stix_id) m "
                "WHERE s.stix_id = m.stix_id AND s.is_latest <> (s.version = m.latest)",
                [_id_list(stix_ids)],
            )
        return
    newest = (
        StixObject.objects.filter(stix_id=OuterRef("stix_id"))
        .order_by("-version")
        .values("version")[:1]
    )
    for chunk in _chunks(stix_ids, 500):
        StixObject.objects.filter(stix_id__in=chunk).update(
            is_latest=ExpressionWrapper(Q(version=Subquery(newest)), output_field=BooleanField())
        )


# --- entry points -------------------------------------------------------------------------------


def import_objects(
    objects: Iterable[Any], labels: SharingLabels, *, source: str, strict_labels: bool = False
) -> ImportResult:
    """Import objects already parsed (a TAXII envelope, a small bundle), all in one transaction."""
    importer = _Importer(labels, source, strict_labels=strict_labels)
    with transaction.atomic():
        for index, obj in enumerate(objects):
            importer.add(index, obj)
        return importer.finish()


def import_bundle_file(
    fileobj_or_path: str | os.PathLike[str] | IO[bytes],
    labels: SharingLabels,
    *,
    source: str,
    max_objects: int | None = None,
    progress: ProgressCallback | None = None,
    derive: bool = True,
) -> ImportResult:
    """Stream a bundle file into the store.

    With ``max_objects`` the import is one transaction and a bundle with more objects is refused
    whole (reported as a single problem). Without it each batch commits on its own, so a huge
    file shows progress and a worker that dies part-way can simply run the import again.
    ``derive=False`` stores the objects only, without making indicators of the store from them
    or telling the correlation index about their values (bulk loads of reference data).
    """
    if isinstance(fileobj_or_path, str | os.PathLike):
        with open(fileobj_or_path, "rb") as handle:
            return import_bundle_file(
                handle,
                labels,
                source=source,
                max_objects=max_objects,
                progress=progress,
                derive=derive,
            )
    importer = _Importer(labels, source, derive=derive)
    reader = _CountingReader(fileobj_or_path)
    if max_objects is None:
        _stream(importer, reader, None, progress)
        return importer.finish()
    try:
        with transaction.atomic():
            _stream(importer, reader, max_objects, progress)
            return importer.finish()
    except BundleTooLarge:
        refused = ImportResult()
        refused.report(
            max_objects,
            None,
            _(
                "The bundle has more than %(limit)d objects, the most one import may hold here; "
                "nothing was imported. Split it, or import it as a file job."
            )
            % {"limit": max_objects},
        )
        return refused


class _CountingReader:
    """Counts the bytes ijson has read, for progress reports."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner: Any = inner
        self.bytes_read = 0
        try:
            self.total = os.fstat(inner.fileno()).st_size
        except (OSError, AttributeError, io.UnsupportedOperation):
            self.total = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.bytes_read += len(data)
        return data


def _stream(
    importer: _Importer,
    reader: _CountingReader,
    max_objects: int | None,
    progress: ProgressCallback | None,
) -> None:
    shape = _check_head(reader)
    if shape not in (BUNDLE, SINGLE_OBJECT):
        importer.result.report(0, None, shape)
        return
    prefix = "objects.item" if shape == BUNDLE else ""
    parse = _ObjectParser(importer, reader, prefix, max_objects, progress)
    try:
        count = parse(_IJSON, skip=0)
    except _IntegerTooLarge as overflow:
        # yajl stops at integers beyond 64 bits; the pure-Python parser reads them (slowly), so
        # the file is read again from the start, skipping the objects already imported.
        if not _rewind(reader):
            importer.result.report(
                overflow.index, None, _("An integer in the file is too large to read.")
            )
            return
        count = parse(_PY_IJSON, skip=overflow.index)
    if count == 0 and not importer.result.failures:
        importer.result.report(0, None, _("The bundle has no “objects” list, or it is empty."))
    if progress is not None:
        progress(count, reader.bytes_read, reader.total)


BUNDLE = "bundle"
SINGLE_OBJECT = "object"
_PY_IJSON = ijson.get_backend("python")


class _IntegerTooLarge(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _rewind(reader: _CountingReader) -> bool:
    try:
        reader.inner.seek(0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    reader.bytes_read = 0
    return True


@dataclass
class _ObjectParser:
    """Feeds the objects of one file to the importer, reporting a break in the JSON."""

    importer: _Importer
    reader: _CountingReader
    prefix: str
    max_objects: int | None
    progress: ProgressCallback | None

    def __call__(self, backend: Any, skip: int) -> int:
        """Feed the objects (from index ``skip`` on) to the importer; the number read."""
        index = -1
        objects = backend.items(self.reader, self.prefix, use_float=True)
        try:
            with closing(_read_ahead(self._prepared(objects, skip))) as prepared:
                for index, item in prepared:
                    if self.max_objects is not None and index >= self.max_objects:
                        raise BundleTooLarge
                    self.importer.accept(item)
                    if self.progress is not None and index % BATCH_SIZE == 0:
                        self.progress(index, self.reader.bytes_read, self.reader.total)
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError, ValueError) as exc:
            if "integer overflow" in str(exc) and backend is not _PY_IJSON:
                raise _IntegerTooLarge(index + 1) from None
            self.importer.result.report(
                index + 1,
                None,
                _("The file is not valid JSON after %(count)d object(s): %(error)s")
                % {"count": index + 1, "error": str(exc)[:200]},
            )
        return index + 1

    def _prepared(
        self, objects: Iterable[Any], skip: int
    ) -> Iterator[tuple[int, _Row | ObjectProblem]]:
        prepare = self.importer.prepare
        for index, obj in enumerate(objects):
            if index >= skip:
                yield index, prepare(index, obj)


# Parsing and checking run in a reader thread, a chunk of objects at a time, while the importer
# writes the previous batch (the database server works on the other core then, and the importer
# thread only waits for it). At most READ_AHEAD_CHUNKS chunks wait, so memory stays bounded.
READ_AHEAD_CHUNK = 500
READ_AHEAD_CHUNKS = 8


def _read_ahead[T](items: Iterator[T]) -> Generator[T]:
    """The items of ``items``, computed in a thread ahead of the caller; an exception raised
    there is raised here, at its place in the sequence. Close the iterator to stop the thread."""
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
    stop = threading.Event()
    reader = threading.Thread(
        target=_fill,
        args=(items, chunks, stop, translation.get_language()),
        name="stix-import-reader",
        daemon=True,
    )
    reader.start()
    try:
        while True:
            kind, payload = chunks.get()
            if kind == "error":
                raise payload
            if kind == "done":
                return
            yield from payload
    finally:
        stop.set()
        reader.join()


def _fill(
    items: Iterator[Any], chunks: queue.Queue[tuple[str, Any]], stop: threading.Event, language: str
) -> None:
    """The reader thread: ``language`` is the caller's, for the messages of refused objects."""
    chunk: list[Any] = []
    try:
        with translation.override(language):
            for item in items:
                chunk.append(item)
                if len(chunk) >= READ_AHEAD_CHUNK:
                    if not _put(chunks, stop, ("items", chunk)):
                        return
                    chunk = []
            if _put(chunks, stop, ("items", chunk)):
                _put(chunks, stop, ("done", None))
    except Exception as exc:  # handed to the importer thread and raised there, in its place
        if _put(chunks, stop, ("items", chunk)):
            _put(chunks, stop, ("error", exc))


def _put(
    chunks: queue.Queue[tuple[str, Any]], stop: threading.Event, entry: tuple[str, Any]
) -> bool:
    """Wait for room unless the importer has stopped reading; whether the entry went in."""
    while not stop.is_set():
        try:
            chunks.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


_HEAD_BYTES = 65_536


def _check_head(reader: _CountingReader) -> str:
    """Look at the start of the file: a bundle (``BUNDLE``), a single STIX object
    (``SINGLE_OBJECT``, as some tools write), or else the reason it is neither. The bytes read
    are put back for the streaming parser."""
    head = reader.inner.read(_HEAD_BYTES)
    reader.inner = _Prepended(head, reader.inner)
    stripped = head.lstrip()
    if stripped.startswith(b"\xef\xbb\xbf"):
        stripped = stripped[3:].lstrip()
    if not stripped:
        return _("The file is empty.")
    if not stripped.startswith(b"{"):
        return _("The file is not a STIX bundle: it does not start with a JSON object.")
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if prefix == "type" and event == "string":
                return BUNDLE if value == "bundle" else _single_object_or_error(value)
            if prefix == "objects":
                return BUNDLE
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError, ValueError) as exc:
        if len(head) < _HEAD_BYTES:
            return _("The file is not valid JSON: %(error)s") % {"error": str(exc)[:200]}
    return BUNDLE


def _single_object_or_error(type_: Any) -> str:
    if isinstance(type_, str) and TYPE_RE.match(type_):
        return SINGLE_OBJECT
    return _("The file is not a STIX bundle: its “type” is “%(type)s”.") % {"type": str(type_)[:60]}


class _Prepended:
    """The bytes already read, then the rest of the file."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self.first = first
        self.whole = first
        self.rest = rest

    def seek(self, position: int) -> None:
        """Back to the start (the only seek the importer makes)."""
        self.rest.seek(len(self.whole))
        self.first = self.whole

    def read(self, size: int = -1) -> bytes:
        if self.first:
            if size < 0:
                data, self.first = self.first + self.rest.read(), b""
                return data
            data, self.first = self.first[:size], self.first[size:]
            return data
        return self.rest.read(size)


# --- records derived from stored objects ----------------------------------------------------------

# (STIX object path of a one-comparison pattern) → Siaga observable type.
_PATTERN_PATHS: dict[tuple[str, str], str] = {
    ("ipv4-addr", "value"): ObservableType.IP,
    ("ipv6-addr", "value"): ObservableType.IP,
    ("domain-name", "value"): ObservableType.DOMAIN,
    ("url", "value"): ObservableType.URL,
    ("email-addr", "value"): ObservableType.EMAIL,
    ("file", "name"): ObservableType.FILENAME,
    ("file", "hashes.'SHA-256'"): ObservableType.SHA256,
    ("file", "hashes.'SHA256'"): ObservableType.SHA256,
    ("file", "hashes.'MD5'"): ObservableType.MD5,
    ("file", "hashes.MD5"): ObservableType.MD5,
    ("file", "hashes.'SHA-1'"): ObservableType.SHA1,
    ("file", "hashes.'SHA1'"): ObservableType.SHA1,
}
# Cyber observables whose value the correlation index records.
_OBSERVABLE_VALUE: dict[str, str] = {
    "ipv4-addr": ObservableType.IP,
    "ipv6-addr": ObservableType.IP,
    "domain-name": ObservableType.DOMAIN,
    "url": ObservableType.URL,
    "email-addr": ObservableType.EMAIL,
}


def indicator_value_of(pattern: str) -> tuple[str, str] | None:
    """(observable type, value) of a pattern that is one comparison on a supported observable."""
    match = SIMPLE_PATTERN_RE.match(pattern)
    if match is None:
        return None
    kind = _PATTERN_PATHS.get((match["type"], match["path"]))
    if kind is None:
        return None
    value = match["value"].replace("\\'", "'").replace("\\\\", "\\")
    if kind == ObservableType.IP and "/" in value:
        kind = ObservableType.CIDR
    return kind, value


def _indicator_input(obj: dict[str, Any]) -> IndicatorInput | None:
    pattern = obj.get("pattern")
    if obj.get("pattern_type", "stix") != "stix" or not isinstance(pattern, str):
        return None
    found = indicator_value_of(pattern)
    if found is None:
        return None
    labels = obj.get("labels")
    confidence = obj.get("confidence")
    return IndicatorInput(
        type=found[0],
        value=found[1],
        first_seen=_moment(obj.get("valid_from")),
        valid_until=_moment(obj.get("valid_until")),
        confidence=confidence if isinstance(confidence, int) and 0 <= confidence <= 100 else None,
        description=str(obj.get("description") or obj.get("name") or "")[:20_000],
        tags=[str(label)[:100] for label in labels[:50]] if isinstance(labels, list) else [],
        source_ref=str(obj["id"]),
        pattern=pattern[:20_000],
    )


def _moment(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value, "") if value is not None else None
    except StixProblem:
        return None


def derive_indicators(
    labels: SharingLabels, rows: list[_Row]
) -> tuple[int, list[tuple[_Row, str]]]:
    """Indicators of the store for STIX indicators with a one-comparison pattern on an observable
    Siaga knows; grouped by the labels each object ended up with."""
    groups: dict[tuple[str, str, int | None], list[tuple[_Row, IndicatorInput]]] = {}
    for row in rows:
        if row.checked.type != "indicator" or row.obj is None:
            continue
        item = _indicator_input(row.obj)
        if item is not None:
            groups.setdefault((row.tlp, row.distribution, row.sharing_group_id), []).append(
                (row, item)
            )
    derived = 0
    problems: list[tuple[_Row, str]] = []
    for (tlp, distribution, group_id), items in groups.items():
        outcome = do_upsert_indicators(
            [item for _row, item in items],
            organization=labels.organization,
            tlp=tlp,
            distribution=distribution,
            sharing_group=labels.sharing_group if group_id is not None else None,
            created_by=labels.created_by,
            source_kind=SourceKind.STIX,
            audit_summary=False,
        )
        derived += outcome.created + outcome.updated
        problems.extend(
            (items[index][0], _("No indicator made from “pattern”: %(why)s") % {"why": why})
            for index, why in outcome.problems
        )
    return derived, problems


def record_observables(labels: SharingLabels, inserted: list[tuple[_Row, int]]) -> None:
    """Tell the correlation index which observable values the stored objects hold."""
    try:
        from siaga.correlation.actions import Occurrence, record_occurrences
    except ImportError:  # the correlation app is being written
        return
    occurrences = []
    for row, pk in inserted:
        kind = _OBSERVABLE_VALUE.get(row.checked.type)
        value = row.obj.get("value") if row.obj is not None else None
        if kind is None or not isinstance(value, str):
            continue
        try:
            canonical = normalize(kind, value)
        except ValidationError:
            continue  # a value Siaga cannot read is still stored, it just does not correlate
        occurrences.append(Occurrence(kind, canonical, pk, labels.organization.pk))
    if occurrences:
        try:
            record_occurrences("stix_object", occurrences)
        except ValidationError:
            # Values were normalized above; should the index still refuse one, the objects stay
            # stored and only their correlation is missing (logged, not fatal to the import).
            logger.warning("correlation refused the observables of a STIX batch", exc_info=True)
