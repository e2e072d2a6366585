"""CISA's Known Exploited Vulnerabilities catalog (``known_exploited_vulnerabilities.json``).

The document's shape is checked against CISA's JSON schema (``KEV_SCHEMA``, the copy in
../shared/data/kev or one passed in) with ``jsonschema``; a schema error inside one record skips
that record (named by its cveID and the field), an error outside the records refuses the file.

The catalog is always published whole, so an import is a full-catalog import: a vulnerability
stored as ``in_kev`` whose CVE is no longer listed is marked ``in_kev=False`` (counted as
``delisted``; its ``kev_*`` fields stay as history of when it was listed and what CISA asked).
To keep a truncated download from delisting most of the catalog, a document whose ``count``
differs from its number of records is refused, and a CVE whose record was skipped for a bad field
is still counted as listed.

Each listed CVE also gets one affected-product row (source ``kev``: the entry's vendorProject and
product, every version), rewritten only when the entry's names change.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from siaga.vulns.choices import ImportSource, KnownRansomware, ProductSource
from siaga.vulns.importers import (
    ImportResult,
    batched,
    product_row,
    sync_products,
    too_long,
    upsert,
)
from siaga.vulns.models import CVE_ID_RE, CWE_ID_RE, Vulnerability

KEV_SCHEMA = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "kev"
    / ("known_exploited_vulnerabilities_schema.json")
)

# A trimmed copy of CISA's schema, used when the shared data is not here (a user's clone): the
# same required fields and types, so the importer checks the same shape everywhere.
_FALLBACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["catalogVersion", "dateReleased", "count", "vulnerabilities"],
    "properties": {
        "catalogVersion": {"type": "string"},
        "dateReleased": {"type": "string"},
        "count": {"type": "integer"},
        "vulnerabilities": {"type": "array", "items": {"$ref": "#/$defs/vulnerability"}},
    },
    "$defs": {
        "vulnerability": {
            "type": "object",
            "required": [
                "cveID",
                "vendorProject",
                "product",
                "vulnerabilityName",
                "dateAdded",
                "shortDescription",
                "requiredAction",
                "dueDate",
            ],
            "properties": {
                "cveID": {"type": "string", "pattern": "^CVE-[0-9]{4}-[0-9]{4,19}$"},
                "vendorProject": {"type": "string"},
                "product": {"type": "string"},
                "vulnerabilityName": {"type": "string"},
                "dateAdded": {"type": "string", "format": "date"},
                "shortDescription": {"type": "string"},
                "requiredAction": {"type": "string"},
                "dueDate": {"type": "string", "format": "date"},
                "knownRansomwareCampaignUse": {"type": "string"},
                "notes": {"type": "string"},
                "cwes": {"type": "array", "items": {"type": "string", "pattern": "^CWE-([0-9])+$"}},
            },
        }
    },
}

_RANSOMWARE = {"Known": KnownRansomware.KNOWN.value, "Unknown": KnownRansomware.UNKNOWN.value}


def load_schema(path: Path | None = None) -> dict[str, Any]:
    path = path or KEV_SCHEMA
    if path.exists():
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return schema
    return _FALLBACK_SCHEMA


def import_kev(source: Path | bytes | dict[str, Any], schema: Path | None = None) -> ImportResult:
    """Import a KEV catalog (a file, its bytes or the parsed document); see the module docstring."""
    result = ImportResult(source=str(source) if isinstance(source, Path) else "KEV catalog")
    document = _read(source, result)
    if document is None:
        return result
    record_errors = _schema_errors(document, load_schema(schema), result)
    if not result.ok:
        return result
    wanted, fill, listed = _records(document["vulnerabilities"], record_errors, result)
    with transaction.atomic():
        upsert(wanted, ImportSource.KEV, result, fill=fill)
        products = {
            cve: [product_row(values["kev_vendor_project"], values["kev_product"])]
            for cve, values in wanted.items()
        }
        sync_products(products, ProductSource.KEV, result)
        result.delisted = _delist(listed)
    return result


def _read(source: Path | bytes | dict[str, Any], result: ImportResult) -> Any:
    if isinstance(source, dict):
        return source
    try:
        raw = source.read_bytes() if isinstance(source, Path) else source
        return json.loads(raw)
    except OSError as exc:
        result.errors.append(f"cannot read the file: {exc.strerror or exc}")
    except (ValueError, UnicodeDecodeError) as exc:
        result.errors.append(f"not JSON: {exc}")
    return None


def _schema_errors(
    document: Any, schema: dict[str, Any], result: ImportResult
) -> dict[int, list[tuple[str, str]]]:
    """Schema errors by record index; errors outside the records go to ``result.errors``."""
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    by_record: dict[int, list[tuple[str, str]]] = {}
    for error in validator.iter_errors(document):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "vulnerabilities" and isinstance(path[1], int):
            field = ".".join(str(part) for part in path[2:]) or _missing_field(error)
            by_record.setdefault(path[1], []).append((field, error.message))
        else:
            where = ".".join(str(part) for part in path) or "document"
            result.errors.append(f"{where}: {error.message}")
    if result.ok and document["count"] != len(document["vulnerabilities"]):
        result.errors.append(
            f"count: the catalog says {document['count']} vulnerabilities but holds "
            f"{len(document['vulnerabilities'])} (a truncated download?)"
        )
    return by_record


def _missing_field(error: jsonschema.ValidationError) -> str:
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return ",".join(missing) or "record"
    return "record"


def _name(record: Any, index: int) -> str:
    cve = record.get("cveID") if isinstance(record, dict) else None
    return f"{cve} (record {index})" if isinstance(cve, str) else f"record {index}"


def _records(
    records: list[Any], schema_errors: dict[int, list[tuple[str, str]]], result: ImportResult
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], set[str]]:
    """The KEV fields and fill-if-empty fields per CVE, and every CVE id the catalog lists."""
    wanted: dict[str, dict[str, Any]] = {}
    fill: dict[str, dict[str, Any]] = {}
    listed: set[str] = set()
    for index, record in enumerate(records):
        cve = record.get("cveID") if isinstance(record, dict) else None
        if isinstance(cve, str) and CVE_ID_RE.match(cve):
            listed.add(cve)
        errors = schema_errors.get(index) or []
        if not errors:
            errors = _check(record, wanted)
        if errors:
            for field, message in errors:
                result.note(_name(record, index), field, message)
            result.skipped += 1
            continue
        wanted[record["cveID"]], fill[record["cveID"]] = _fields(record)
    return wanted, fill, listed


def _check(record: dict[str, Any], seen: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema does not say: known ransomware values, lengths, repeats."""
    errors = []
    ransomware = record.get("knownRansomwareCampaignUse", "Unknown")
    if ransomware not in _RANSOMWARE:
        errors.append(("knownRansomwareCampaignUse", f"{ransomware!r} is not Known or Unknown"))
    if record["cveID"] in seen:
        errors.append(("cveID", "listed twice in the catalog; the first record is kept"))
    # A due date before the date added is real (records carried over from earlier emergency
    # directives), so only the format is checked.
    for name in ("dateAdded", "dueDate"):
        try:
            date.fromisoformat(record[name])
        except ValueError:
            errors.append((name, f"{record[name]!r} is not a date (YYYY-MM-DD)"))
    if not errors:
        errors.extend(too_long(_fields(record)[0]))
    return errors


def _fields(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    kev = {
        "in_kev": True,
        "kev_date_added": date.fromisoformat(record["dateAdded"]),
        "kev_due_date": date.fromisoformat(record["dueDate"]),
        "kev_vendor_project": record["vendorProject"].strip(),
        "kev_product": record["product"].strip(),
        "kev_vulnerability_name": record["vulnerabilityName"].strip(),
        "kev_required_action": record["requiredAction"].strip(),
        "kev_known_ransomware": _RANSOMWARE[record.get("knownRansomwareCampaignUse", "Unknown")],
        "kev_notes": record.get("notes", "").strip(),
    }
    # The CVE record is the authority on these; KEV's words only fill an empty row.
    cwes = [cwe for cwe in record.get("cwes", []) if CWE_ID_RE.match(cwe)]
    fill = {
        "title": record["vulnerabilityName"].strip()[:500],
        "description": record["shortDescription"].strip(),
        "cwe_ids": sorted(set(cwes), key=cwes.index),
    }
    return kev, fill


def _delist(listed: set[str]) -> int:
    """Mark as no longer in KEV every stored vulnerability the catalog does not list."""
    stored = set(Vulnerability.objects.filter(in_kev=True).values_list("cve_id", flat=True))
    gone = sorted(stored - listed)
    now = timezone.now()
    for chunk in batched(gone):
        Vulnerability.objects.filter(cve_id__in=chunk).update(
            in_kev=False, last_source=ImportSource.KEV, last_imported_at=now, updated_at=now
        )
    return len(gone)
