"""CVE records in the CVE JSON 5 format (cvelistV5 files, the CVE Services API's answers).

What is read of a record: ``cveMetadata`` (cveId, state, datePublished, dateUpdated), and of
``containers.cna`` the title, the English description, ``metrics`` (``cvssV3_1`` and ``cvssV4_0``
vector strings), ``problemTypes`` (CWE ids) and ``references``; the ADP containers
(``containers.adp``, e.g. CISA-ADP's "Vulnrichment") add references, CWEs and the vectors the CNA
did not give. Vectors are scored by the ``cvss`` library; the score a record states is not
trusted. A vector the library refuses is reported (record and field) and not stored; the rest of
the record is.

A REJECTED record keeps the vulnerability's row and marks it ``rejected`` with the reason. A record
older (``dateUpdated``) than what is stored is skipped, so feeding an old copy cannot undo a newer
one. Records are written in one transaction per batch of ``BATCH_SIZE``.

The CNA's ``affected`` list becomes affected-product rows (source ``cve``): one per vendor and
product and ``versions[]`` entry, the entry written as a constraint (``1.2``, ``< 1.5``,
``>= 1.0 | < 1.5``, ``<= 2.0``; an empty one for every version), its status kept (affected,
unaffected → not affected, unknown → under investigation), the first CPE, and a package URL only
where the package's collection is unambiguous (PyPI, npm, RubyGems, crates.io, NuGet). Rows are
rewritten only when they differ from those stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from siaga.vulns.choices import ImportSource, ProductSource, ProductStatus
from siaga.vulns.importers import (
    BATCH_SIZE,
    ImportResult,
    ProductRow,
    batched,
    existing_by_cve,
    product_row,
    sync_products,
    upsert,
)
from siaga.vulns.importers import too_long as _too_long
from siaga.vulns.models import CVE_ID_RE, CWE_ID_RE
from siaga.vulns.scoring import CvssVectorError, score_cvss3, score_cvss4

STATES = ("PUBLISHED", "REJECTED")


class RecordError(ValueError):
    """A record that cannot be imported: ``field`` names where in the record."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def record_files(paths: Iterable[Path]) -> list[Path]:
    """The JSON files named, and those under the directories named (sorted, recursively)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return files


def import_cve_files(paths: Iterable[Path]) -> ImportResult:
    """Import CVE JSON 5 records from files and directories; one record per file."""
    result = ImportResult(source="CVE JSON 5")
    records: list[tuple[str, Any]] = []
    for path in record_files(paths):
        try:
            records.append((path.name, json.loads(path.read_bytes())))
        except OSError as exc:
            result.skip(path.name, "file", f"cannot read: {exc.strerror or exc}")
        except (ValueError, UnicodeDecodeError) as exc:
            result.skip(path.name, "file", f"not JSON: {exc}")
    result.merge(import_cve_records(records))
    return result


def import_cve_records(records: Iterable[tuple[str, Any]]) -> ImportResult:
    """Import parsed records, each given with a name for the report (its file name)."""
    result = ImportResult(source="CVE JSON 5")
    parsed: dict[str, tuple[datetime | None, dict[str, Any], list[ProductRow]]] = {}
    for name, record in records:
        try:
            cve_id, updated, values = parse_record(record, name, result)
            products = affected_products(record) if not values.get("rejected") else []
        except RecordError as exc:
            result.skip(_label(name, record), exc.field, str(exc))
            continue
        if cve_id in parsed and _older(updated, parsed[cve_id][0]):
            result.skip(
                _label(name, record),
                "cveMetadata.dateUpdated",
                "a newer record of this CVE is in the same import",
            )
            continue
        if cve_id in parsed:
            result.skip(
                cve_id,
                "cveMetadata.dateUpdated",
                "superseded by a newer record of this CVE in the same import",
            )
        parsed[cve_id] = (updated, values, products)
    for chunk in batched(parsed.items(), BATCH_SIZE):
        _store(dict(chunk), result)
    return result


def _store(
    chunk: dict[str, tuple[datetime | None, dict[str, Any], list[ProductRow]]],
    result: ImportResult,
) -> None:
    with transaction.atomic():
        stored = existing_by_cve(chunk)
        wanted = {}
        products = {}
        for cve_id, (updated, values, rows) in chunk.items():
            row = stored.get(cve_id)
            if row is not None and _older(updated, row.last_modified):
                result.skip(
                    cve_id, "cveMetadata.dateUpdated", "older than the record already stored"
                )
                continue
            wanted[cve_id] = values
            products[cve_id] = rows
        upsert(wanted, ImportSource.CVE, result)
        sync_products(products, ProductSource.CVE, result)


def _older(updated: datetime | None, than: datetime | None) -> bool:
    return updated is not None and than is not None and updated < than


def _label(name: str, record: Any) -> str:
    cve = _get(record, "cveMetadata", "cveId")
    return f"{cve} ({name})" if isinstance(cve, str) and cve != name else name


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def parse_record(
    record: Any, name: str, result: ImportResult
) -> tuple[str, datetime | None, dict[str, Any]]:
    """(CVE id, dateUpdated, the Vulnerability fields) of one record; ``RecordError`` when it
    cannot be imported, ``result.note`` for a field left out."""
    if not isinstance(record, dict):
        raise RecordError("record", "not a JSON object")
    if record.get("dataType") != "CVE_RECORD":
        raise RecordError("dataType", "not a CVE record (dataType must be CVE_RECORD)")
    version = record.get("dataVersion")
    if not isinstance(version, str) or not version.startswith("5."):
        raise RecordError("dataVersion", f"{version!r} is not a CVE JSON 5 version")
    metadata = record.get("cveMetadata")
    if not isinstance(metadata, dict):
        raise RecordError("cveMetadata", "missing or not an object")
    cve_id = metadata.get("cveId")
    if not isinstance(cve_id, str) or not CVE_ID_RE.match(cve_id):
        raise RecordError("cveMetadata.cveId", f"{cve_id!r} is not a CVE id")
    state = metadata.get("state")
    if state not in STATES:
        raise RecordError("cveMetadata.state", f"{state!r} is not PUBLISHED or REJECTED")
    published = _datetime(metadata, "datePublished")
    updated = _datetime(metadata, "dateUpdated")
    containers = record.get("containers")
    cna = _get(containers, "cna")
    if not isinstance(cna, dict):
        raise RecordError("containers.cna", "missing or not an object")
    values: dict[str, Any] = {"published": published, "last_modified": updated}
    if state == "REJECTED":
        values |= {"rejected": True, "rejected_reason": _english(cna, "rejectedReasons")}
    else:
        values |= _published_fields(cve_id, cna, _adps(containers), result)
    problems = _too_long(values)
    if problems:
        raise RecordError(*problems[0])
    return cve_id, updated, values


def _datetime(metadata: dict[str, Any], key: str) -> datetime | None:
    value = metadata.get(key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise RecordError(f"cveMetadata.{key}", f"{value!r} is not an ISO 8601 date and time")
    # CVE Services writes UTC without an offset ("2024-05-01T12:00:00.000").
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _list(value: Any) -> list[Any]:
    """A list the record holds, or none (a wrong type here loses optional data, not the record)."""
    return value if isinstance(value, list) else []


def _adps(containers: Any) -> list[dict[str, Any]]:
    adp = _get(containers, "adp")
    return [item for item in adp if isinstance(item, dict)] if isinstance(adp, list) else []


def _english(container: dict[str, Any], key: str) -> str:
    """The English text of a descriptions-like list (``[{lang, value}]``), else the first one."""
    items = [
        item
        for item in _list(container.get(key))
        if isinstance(item, dict) and isinstance(item.get("value"), str)
    ]
    for item in items:
        if str(item.get("lang", "")).lower().startswith("en"):
            return str(item["value"]).strip()
    return str(items[0]["value"]).strip() if items else ""


def _published_fields(
    cve_id: str, cna: dict[str, Any], adps: list[dict[str, Any]], result: ImportResult
) -> dict[str, Any]:
    description = _english(cna, "descriptions")
    if not description:
        raise RecordError("containers.cna.descriptions", "no description")
    title = cna.get("title")
    values: dict[str, Any] = {
        "rejected": False,
        "rejected_reason": "",
        "title": title.strip() if isinstance(title, str) else "",
        "description": description,
        "cwe_ids": _cwes([cna, *adps]),
        "references": _references([cna, *adps]),
    }
    containers = [("containers.cna", cna)] + [
        (f"containers.adp[{index}]", adp) for index, adp in enumerate(adps)
    ]
    values |= _cvss(cve_id, containers, "cvssV3_1", score_cvss3, "cvss3", result)
    values |= _cvss(cve_id, containers, "cvssV4_0", score_cvss4, "cvss4", result)
    return values


def _cwes(containers: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for container in containers:
        for problem in _list(container.get("problemTypes")):
            for item in _list(_get(problem, "descriptions")):
                cwe = _get(item, "cweId")
                if isinstance(cwe, str) and CWE_ID_RE.match(cwe) and cwe not in found:
                    found.append(cwe)
    return found


def _references(containers: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for container in containers:
        for reference in _list(container.get("references")):
            url = _get(reference, "url")
            if (
                isinstance(url, str)
                and url.startswith(("https://", "http://"))
                and url not in found
            ):
                found.append(url)
    return found


def _cvss(
    cve_id: str,
    containers: list[tuple[str, dict[str, Any]]],
    key: str,
    score: Any,
    prefix: str,
    result: ImportResult,
) -> dict[str, Any]:
    """The first vector of this version the library accepts, CNA before ADP; the others noted."""
    for where, container in containers:
        for index, metric in enumerate(_list(container.get("metrics"))):
            vector = _get(metric, key, "vectorString")
            if vector is None:
                continue
            try:
                scored = score(vector)
            except CvssVectorError as exc:
                field = f"{where}.metrics[{index}].{key}.vectorString"
                result.note(cve_id, field, f"{exc} (not stored)")
                continue
            return {
                f"{prefix}_vector": scored.vector,
                f"{prefix}_score": scored.score,
                f"{prefix}_severity": scored.severity,
            }
    return {f"{prefix}_vector": "", f"{prefix}_score": None, f"{prefix}_severity": ""}


# collectionURL (without scheme and trailing slash) → purl type.
_PURL_TYPES = {
    "pypi.org": "pypi",
    "pypi.python.org": "pypi",
    "registry.npmjs.org": "npm",
    "www.npmjs.com": "npm",
    "npmjs.com": "npm",
    "rubygems.org": "gem",
    "crates.io": "cargo",
    "www.nuget.org": "nuget",
    "nuget.org": "nuget",
}
_VERSION_STATUS = {
    "affected": ProductStatus.AFFECTED.value,
    "unaffected": ProductStatus.NOT_AFFECTED.value,
    "unknown": ProductStatus.UNDER_INVESTIGATION.value,
}
# Placeholders CNAs write where they have no name or no lower bound.
_NO_NAME = {"", "n/a", "na", "-", "unknown"}
_NO_LOWER = {"", "0", "*", "n/a", "-", "unspecified"}
MAX_PRODUCTS_PER_RECORD = 1000


def affected_products(record: Any) -> list[ProductRow]:
    """The affected-product rows of a record's CNA ``affected`` list (see the module docstring)."""
    rows: list[ProductRow] = []
    for item in _list(_get(record, "containers", "cna", "affected")):
        if not isinstance(item, dict):
            continue
        vendor, product = _str(item.get("vendor")), _str(item.get("product"))
        if product.lower() in _NO_NAME:
            product = _str(item.get("packageName"))
        if product.lower() in _NO_NAME:
            continue
        if vendor.lower() in _NO_NAME:
            vendor = ""
        cpes = [cpe for cpe in _list(item.get("cpes")) if isinstance(cpe, str) and cpe.strip()]
        cpe = cpes[0] if cpes else ""
        purl = _purl(item)
        default = _VERSION_STATUS.get(_str(item.get("defaultStatus")), "")
        entries = [
            entry
            for entry in _list(item.get("versions"))
            if isinstance(entry, dict) and _str(entry.get("versionType")) != "git"
        ]
        for entry in entries:
            status = _VERSION_STATUS.get(_str(entry.get("status")))
            if status is None:
                continue
            rows.append(product_row(vendor, product, version_text(entry), status, cpe, purl))
        if not entries:
            status = default or ProductStatus.UNDER_INVESTIGATION.value
            rows.append(product_row(vendor, product, "", status, cpe, purl))
    return list(dict.fromkeys(rows))[:MAX_PRODUCTS_PER_RECORD]


def version_text(entry: dict[str, Any]) -> str:
    """One ``versions[]`` entry as a constraint: ``1.2``, ``< 1.5``, ``>= 1.0 | <= 1.4``."""
    version = _str(entry.get("version"))
    less, less_equal = _str(entry.get("lessThan")), _str(entry.get("lessThanOrEqual"))
    upper = ""
    if less and less != "*":
        upper = f"< {less}"
    elif less_equal and less_equal != "*":
        upper = f"<= {less_equal}"
    elif less == "*" or less_equal == "*":
        return "" if version in _NO_LOWER else f">= {version}"
    if not upper:
        return "" if version == "*" else version
    return upper if version in _NO_LOWER else f">= {version} | {upper}"


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _purl(item: dict[str, Any]) -> str:
    name = _str(item.get("packageName"))
    collection = _str(item.get("collectionURL")).lower()
    for prefix in ("https://", "http://"):
        collection = collection.removeprefix(prefix)
    kind = _PURL_TYPES.get(collection.rstrip("/"))
    if not name or kind is None or any(char in name for char in " ?#"):
        return ""
    if kind == "npm" and name.startswith("@"):
        name = "%40" + name[1:]
    return f"pkg:{kind}/{name}"
