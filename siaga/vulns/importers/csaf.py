"""Vendors' and coordinators' CSAF 2.0 advisories (CISA's ICSMA medical-device series, for example).

A document is checked by ``siaga.csaf.validation.csaf_problems``. A schema error refuses it, one
message per error naming its JSON path; a failed mandatory test does not (real CISA files fail
6.1.27 and 6.1.31) and is listed as a problem of the stored advisory instead.

What is stored, in one transaction per document:

- ``VendorAdvisory``: the document whole, the SHA-256 of its bytes, its TLP (CSAF 2.0 carries TLP
  1.0 labels: WHITE becomes CLEAR) and the tracking fields. The advisory is known by
  ``(publisher namespace, tracking id)``: a document whose ``current_release_date`` is the same or
  older than the stored one changes nothing; a newer one replaces it, affected products included.
- ``Vulnerability`` for each of its vulnerabilities with a ``cve``, created when missing. The CSAF
  only fills fields that are still empty (title, description from the notes, CWE, CVSS v3.1
  vector and score, references): the CVE record and the KEV catalog own those fields. A CVSS v3.0
  vector (most ICSMA files) is scored as v3.1, whose metrics are the same, and noted.
- ``AffectedProduct`` for each product a vulnerability's ``product_status`` names, with vendor,
  product and version text from the product tree (``siaga.csaf.product_tree``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from siaga.csaf.product_tree import Product, flatten_product_tree
from siaga.csaf.validation import CsafProblem, csaf_problems
from siaga.sharing.choices import TLP
from siaga.vulns.choices import ImportSource, ProductSource, ProductStatus
from siaga.vulns.importers import ImportResult, Problem, upsert
from siaga.vulns.models import (
    CVE_ID_RE,
    CWE_ID_RE,
    AffectedProduct,
    VendorAdvisory,
    Vulnerability,
)
from siaga.vulns.scoring import CvssVectorError, score_cvss3

# A CSAF document larger than this is refused before it is parsed (the largest ICSMA file is
# well under 1 MB; big vendors' documents reach a few MB).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# CSAF 2.0 product_status groups → the stored status.
STATUS_GROUPS = {
    "known_affected": ProductStatus.AFFECTED,
    "first_affected": ProductStatus.AFFECTED,
    "last_affected": ProductStatus.AFFECTED,
    "fixed": ProductStatus.FIXED,
    "first_fixed": ProductStatus.FIXED,
    "known_not_affected": ProductStatus.NOT_AFFECTED,
    "under_investigation": ProductStatus.UNDER_INVESTIGATION,
    # "recommended" says which version to install, not that it is affected or fixed.
}

# TLP 1.0 labels in CSAF 2.0 → TLP 2.0.
TLP_LABELS = {
    "WHITE": TLP.CLEAR,
    "GREEN": TLP.GREEN,
    "AMBER": TLP.AMBER,
    "RED": TLP.RED,
}

# Notes of a vulnerability that describe it, in order of preference.
DESCRIPTION_NOTES = ("description", "summary", "details", "general")


def import_csaf_files(paths: Iterable[Path], user: Any = None) -> ImportResult:
    """Import CSAF documents from files and directories (``*.json`` under them, sorted).

    A file that is refused is counted as skipped, each reason a problem naming the file."""
    result = ImportResult(source="CSAF")
    for path in _files(paths):
        one = import_csaf(path, user=user)
        if one.ok:
            result.merge(one)
            continue
        result.skipped += 1
        for error in one.errors:
            field, _sep, message = error.partition(": ")
            result.problems.append(Problem(path.name, field, message or error))
    return result


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return files


def import_csaf(
    source: Path | bytes | dict[str, Any], user: Any = None, name: str = ""
) -> ImportResult:
    """Import one CSAF 2.0 document (a file, its bytes or the parsed document)."""
    label = name or (source.name if isinstance(source, Path) else "CSAF document")
    result = ImportResult(source=str(source) if isinstance(source, Path) else label)
    read = _read(source, result)
    if read is None:
        return result
    document, digest = read
    nul = _nul_path(document)
    if nul is not None:
        result.errors.append(
            f"{nul or '/'}: contains a NUL character (\\u0000), which is not stored"
        )
        return result
    try:
        problems = csaf_problems(document)
    except Exception as exc:  # the validator must not take the import down
        result.errors.append(f"document: the CSAF validator could not check it ({exc!r})")
        return result
    schema = [problem for problem in problems if problem.test == "schema"]
    if schema:
        result.errors.extend(f"{problem.path or '/'}: {problem.message}" for problem in schema)
        return result
    try:
        header = _header(document)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result
    record = header["tracking_id"]
    for problem in problems:
        result.note(record, problem.path or "/", _warning(problem))
    with transaction.atomic():
        _store(document, digest, header, label, user, result)
    return result


def _nul_path(document: Any) -> str | None:
    """The JSON pointer of the first key or text with a NUL character (PostgreSQL cannot store
    one), or None."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path
        elif isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if "\x00" in str(key):
                    return child
                stack.append((child, value))
        elif isinstance(node, list):
            stack.extend((f"{path}/{index}", value) for index, value in enumerate(node))
    return None


def _warning(problem: CsafProblem) -> str:
    return f"{problem.message} (mandatory test {problem.test} {problem.title}; imported anyway)"


def _read(
    source: Path | bytes | dict[str, Any], result: ImportResult
) -> tuple[dict[str, Any], str] | None:
    if isinstance(source, dict):
        raw = json.dumps(source, sort_keys=True, ensure_ascii=False).encode()
        return source, hashlib.sha256(raw).hexdigest()
    try:
        if isinstance(source, Path) and source.stat().st_size > MAX_DOCUMENT_BYTES:
            result.errors.append(f"file: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
            return None
        raw = source.read_bytes() if isinstance(source, Path) else source
    except OSError as exc:
        result.errors.append(f"file: cannot read it: {exc.strerror or exc}")
        return None
    if len(raw) > MAX_DOCUMENT_BYTES:
        result.errors.append(f"file: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        return None
    try:
        document = json.loads(raw)
    except RecursionError:
        result.errors.append("file: not JSON: nested too deeply")
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        result.errors.append(f"file: not JSON: {exc}")
        return None
    if not isinstance(document, dict):
        result.errors.append("/: a CSAF document is a JSON object")
        return None
    return document, hashlib.sha256(raw).hexdigest()


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _moment(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"{where}: {value!r} is not an ISO 8601 date and time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limited(field: str, value: str, where: str) -> str:
    limit = getattr(VendorAdvisory._meta.get_field(field), "max_length", None)
    if limit and len(value) > limit:
        raise ValueError(f"{where}: longer than {limit} characters ({len(value)})")
    return value


def _header(document: dict[str, Any]) -> dict[str, Any]:
    """The VendorAdvisory fields of the document (already valid against the schema)."""
    meta = document.get("document")
    tracking = _get(meta, "tracking")
    label = _text(_get(meta, "distribution", "tlp", "label")).upper()
    return {
        "publisher_name": _limited(
            "publisher_name", _text(_get(meta, "publisher", "name")), "/document/publisher/name"
        ),
        "publisher_namespace": _limited(
            "publisher_namespace",
            _text(_get(meta, "publisher", "namespace")),
            "/document/publisher/namespace",
        ),
        "tracking_id": _limited(
            "tracking_id", _text(_get(tracking, "id")), "/document/tracking/id"
        ),
        "title": _text(_get(meta, "title"))[:500],
        "category": _limited("category", _text(_get(meta, "category")), "/document/category"),
        "lang": _text(_get(meta, "lang"))[:35],
        "tlp": TLP_LABELS.get(label, TLP.CLEAR),
        "tracking_version": _text(_get(tracking, "version"))[:100],
        "tracking_status": _text(_get(tracking, "status"))[:20],
        "initial_release_date": _moment(
            _get(tracking, "initial_release_date"), "/document/tracking/initial_release_date"
        ),
        "current_release_date": _moment(
            _get(tracking, "current_release_date"), "/document/tracking/current_release_date"
        ),
    }


def _store(
    document: dict[str, Any],
    digest: str,
    header: dict[str, Any],
    label: str,
    user: Any,
    result: ImportResult,
) -> None:
    stored = (
        VendorAdvisory.objects.select_for_update()
        .filter(
            publisher_namespace=header["publisher_namespace"], tracking_id=header["tracking_id"]
        )
        .first()
    )
    if stored is not None and not _newer(header["current_release_date"], stored):
        result.unchanged += 1
        return
    fields = {**header, "document": document, "sha256": digest, "source": label[:1000]}
    if stored is None:
        advisory = VendorAdvisory.objects.create(imported_by=user, **fields)
        result.created += 1
    else:
        for name, value in fields.items():
            setattr(stored, name, value)
        stored.imported_by = user or stored.imported_by
        stored.save()
        stored.affected_products.all().delete()
        advisory = stored
        result.updated += 1
    _store_vulnerabilities(advisory, document, result)


def _newer(current: datetime | None, stored: VendorAdvisory) -> bool:
    if stored.current_release_date is None:
        return current is not None
    return current is not None and current > stored.current_release_date


def _store_vulnerabilities(
    advisory: VendorAdvisory, document: dict[str, Any], result: ImportResult
) -> None:
    record = advisory.tracking_id
    products = flatten_product_tree(document.get("product_tree"))
    fill: dict[str, dict[str, Any]] = {}
    statuses: dict[str, list[tuple[str, str]]] = {}
    for index, vulnerability in enumerate(_list(document.get("vulnerabilities"))):
        where = f"/vulnerabilities/{index}"
        if not isinstance(vulnerability, dict):
            continue
        cve = _text(vulnerability.get("cve"))
        if not cve:
            result.note(record, f"{where}/cve", "no CVE id: not stored as a vulnerability")
            continue
        if not CVE_ID_RE.match(cve):
            result.note(record, f"{where}/cve", f"{cve!r} is not a CVE id: not stored")
            continue
        values = _vulnerability_fields(vulnerability, where, record, result)
        fill.setdefault(cve, {}).update(
            {key: value for key, value in values.items() if key not in fill.get(cve, {})}
        )
        statuses.setdefault(cve, []).extend(_statuses(vulnerability))
    if not fill:
        return
    counts = ImportResult(source="csaf")
    upsert({cve: {} for cve in fill}, ImportSource.CSAF, counts, fill=fill)
    result.new_vulnerabilities += counts.created
    ids = dict(Vulnerability.objects.filter(cve_id__in=list(fill)).values_list("cve_id", "pk"))
    rows = []
    for cve, pairs in statuses.items():
        for product_id, status in dict.fromkeys(pairs):
            product = products.get(product_id)
            if product is None:
                result.note(
                    record,
                    "/product_tree",
                    f"{cve}: product {product_id!r} is not defined in the product tree (left out)",
                )
                continue
            rows.append(_row(ids[cve], advisory, product, status))
    AffectedProduct.objects.bulk_create(rows, batch_size=500)
    result.products += len(rows)


def _statuses(vulnerability: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    groups = vulnerability.get("product_status")
    if not isinstance(groups, dict):
        return found
    for group, status in STATUS_GROUPS.items():
        for product_id in _list(groups.get(group)):
            if isinstance(product_id, str) and product_id.strip():
                found.append((product_id.strip(), status.value))
    return found


def _row(
    vulnerability_id: int, advisory: VendorAdvisory, product: Product, status: str
) -> AffectedProduct:
    row = AffectedProduct(
        vulnerability_id=vulnerability_id,
        vendor_advisory=advisory,
        source=ProductSource.CSAF,
        status=status,
        product_id=product.product_id[:255],
        name=product.name[:1000],
        vendor=product.vendor[:255],
        product=product.product[:500],
        versions=product.versions[:500],
        cpe=product.cpe[:1000],
        purl=product.purl[:2000],
    )
    row.fill_keys()
    now = timezone.now()
    row.created_at = row.updated_at = now
    return row


def _vulnerability_fields(
    vulnerability: dict[str, Any], where: str, record: str, result: ImportResult
) -> dict[str, Any]:
    """What this CSAF says of the CVE, for the fields that are still empty."""
    values: dict[str, Any] = {}
    title = _text(vulnerability.get("title"))
    if title:
        values["title"] = title[:500]
    description = _description(vulnerability)
    if description:
        values["description"] = description
    cwe = _text(_get(vulnerability, "cwe", "id"))
    if CWE_ID_RE.match(cwe):
        values["cwe_ids"] = [cwe]
    references = [
        url
        for url in dict.fromkeys(
            _text(_get(item, "url")) for item in _list(vulnerability.get("references"))
        )
        if url.startswith(("https://", "http://"))
    ]
    if references:
        values["references"] = references
    for index, score in enumerate(_list(vulnerability.get("scores"))):
        vector = _get(score, "cvss_v3", "vectorString")
        if vector is None:
            continue
        field = f"{where}/scores/{index}/cvss_v3/vectorString"
        if isinstance(vector, str) and vector.startswith("CVSS:3.0/"):
            # CVSS v3.1 kept v3.0's metrics and values (it changed the guidance and the
            # rounding), so the same vector is scored as v3.1, and the import says so.
            vector = "CVSS:3.1/" + vector.removeprefix("CVSS:3.0/")
            result.note(record, field, "a CVSS v3.0 vector: scored as CVSS v3.1 (same metrics)")
        try:
            scored = score_cvss3(vector)
        except CvssVectorError as exc:
            result.note(record, field, f"{exc} (not stored)")
            continue
        values |= {
            "cvss3_vector": scored.vector,
            "cvss3_score": scored.score,
            "cvss3_severity": scored.severity,
        }
        break
    return values


def _description(vulnerability: dict[str, Any]) -> str:
    notes = [note for note in _list(vulnerability.get("notes")) if isinstance(note, dict)]
    for category in DESCRIPTION_NOTES:
        for note in notes:
            if note.get("category") == category and _text(note.get("text")):
                return _text(note.get("text"))
    return ""
