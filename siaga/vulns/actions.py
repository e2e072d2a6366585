"""Vulnerability intelligence: what a user may see, importing uploaded files, and reading a vendor
advisory's CSAF document for display.

Vulnerabilities are public knowledge (``vulnerability.view`` for everyone in an organization);
vendor advisories are the CERT's working material (``vendoradvisory.view``: the CERT's staff and
auditors). Imports need ``vulnerability.add`` (and ``vendoradvisory.add`` for CSAF); each is
recorded in the audit trail with its counts (vendor advisories are also recorded row by row by
the model signals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event, record_sensitive_view
from siaga.audit.choices import AuditAction
from siaga.csaf.product_tree import expand, flatten_product_tree, product_groups
from siaga.csaf.validation import CsafProblem, csaf_problems
from siaga.vulns.choices import ProductStatus
from siaga.vulns.importers import ImportResult
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability

IMPORT_KINDS = ("kev", "cve", "epss", "csaf")
# What each kind of import may be handed: file name endings, and the most files per upload.
IMPORT_SUFFIXES = {
    "kev": (".json",),
    "cve": (".json",),
    "epss": (".csv", ".csv.gz", ".gz"),
    "csaf": (".json",),
}
# Django refuses a request with more than DATA_UPLOAD_MAX_NUMBER_FILES (100) files anyway.
MAX_IMPORT_FILES = 100


def max_import_bytes() -> int:
    return int(settings.SIAGA_VULN_IMPORT_MAX_MB) * 1024 * 1024


def require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied


def visible_vulnerabilities(user: Any) -> QuerySet[Vulnerability]:
    return Vulnerability.objects.restrict(user, "view")


def access_vulnerability(user: Any, cve_id: str) -> Vulnerability:
    found = visible_vulnerabilities(user).filter(cve_id=cve_id.upper()).first()
    if found is None:
        raise Http404(_("No such vulnerability."))
    return found


def visible_vendor_advisories(user: Any) -> QuerySet[VendorAdvisory]:
    return VendorAdvisory.objects.restrict(user, "view")


def access_vendor_advisory(user: Any, pk: int) -> VendorAdvisory:
    """A vendor advisory the user may see; a TLP:RED one's every view is audited."""
    found = visible_vendor_advisories(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such vendor advisory."))
    record_sensitive_view(found)
    return found


def affected_by_source(vulnerability: Vulnerability) -> dict[str, list[AffectedProduct]]:
    """The vulnerability's affected products grouped by source (kev, cve, csaf), in that order."""
    groups: dict[str, list[AffectedProduct]] = {"kev": [], "cve": [], "csaf": []}
    for row in vulnerability.affected_products.select_related("vendor_advisory").order_by(
        "source", "vendor", "product", "versions", "pk"
    ):
        groups.setdefault(row.source, []).append(row)
    return {source: rows for source, rows in groups.items() if rows}


def advisories_naming(user: Any, vulnerability: Vulnerability) -> QuerySet[VendorAdvisory]:
    """The vendor advisories (that the user may see) with products of this vulnerability."""
    return (
        visible_vendor_advisories(user)
        .filter(affected_products__vulnerability=vulnerability)
        .distinct()
        .order_by("-current_release_date", "pk")
    )


def advisory_cves(advisory: VendorAdvisory) -> list[str]:
    """The CVE ids the document names, in its order."""
    found: dict[str, None] = {}
    for item in _list(advisory.document.get("vulnerabilities")):
        cve = item.get("cve") if isinstance(item, dict) else None
        if isinstance(cve, str) and cve.strip():
            found.setdefault(cve.strip(), None)
    return list(found)


def advisory_products(advisory: VendorAdvisory) -> QuerySet[AffectedProduct]:
    return advisory.affected_products.select_related("vulnerability").order_by(
        "vulnerability__cve_id", "status", "vendor", "product", "versions", "pk"
    )


def advisory_affected(advisory: VendorAdvisory) -> list[AffectedProduct]:
    """The products the advisory says are affected (what exposure matching looks for)."""
    return list(advisory.affected_products.filter(status=ProductStatus.AFFECTED))


@dataclass(frozen=True)
class Remediation:
    cve: str
    category: str
    details: str
    url: str
    products: list[str]


def remediations(advisory: VendorAdvisory) -> list[Remediation]:
    """The document's remediations, each with the names of the products it applies to."""
    document = advisory.document
    tree = document.get("product_tree")
    names = {pid: product.name for pid, product in flatten_product_tree(tree).items()}
    groups = product_groups(tree)
    found: list[Remediation] = []
    for item in _list(document.get("vulnerabilities")):
        if not isinstance(item, dict):
            continue
        cve = item.get("cve") if isinstance(item.get("cve"), str) else ""
        for remedy in _list(item.get("remediations")):
            if not isinstance(remedy, dict):
                continue
            ids = expand(remedy.get("product_ids"), remedy.get("group_ids"), groups)
            found.append(
                Remediation(
                    cve=str(cve),
                    category=_str(remedy.get("category")),
                    details=_str(remedy.get("details")),
                    url=_web_url(remedy.get("url")),
                    products=[names.get(pid, pid) for pid in ids],
                )
            )
    return found


def document_warnings(advisory: VendorAdvisory) -> list[CsafProblem]:
    """The stored document's failed mandatory tests, computed now (the validator may have
    learned more since the import)."""
    return csaf_problems(advisory.document)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _web_url(value: Any) -> str:
    """A link the page may show: http(s) only (a document could carry ``javascript:``)."""
    url = _str(value)
    return url if url.lower().startswith(("https://", "http://")) else ""


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- Imports ------------------------------------------------------------------------------------


def check_import(user: Any, kind: str, files: Iterable[tuple[str, bytes]]) -> ImportResult:
    """Import uploaded files of one kind (``IMPORT_KINDS``), given as (name, bytes).

    Permission: ``vulnerability.add`` (and ``vendoradvisory.add`` for CSAF). The names must end
    as the kind's files do; KEV and EPSS take one file, CVE and CSAF up to ``MAX_IMPORT_FILES``.
    The caller has already held each file to the size limit."""
    require(user, "vulnerability.add")
    if kind not in IMPORT_KINDS:
        raise ValidationError({"kind": _("Choose KEV, CVE, EPSS or CSAF.")})
    if kind == "csaf":
        require(user, "vendoradvisory.add")
    files = list(files)
    if not files:
        raise ValidationError({"file": _("Attach at least one file.")})
    if kind in ("kev", "epss") and len(files) > 1:
        raise ValidationError({"file": _("This kind of import takes one file.")})
    if sum(len(raw) for _name, raw in files) > max_import_bytes():
        raise ValidationError(
            {
                "file": _("The files together are larger than %(limit)d MB.")
                % {"limit": max_import_bytes() // 2**20}
            }
        )
    if len(files) > MAX_IMPORT_FILES:
        raise ValidationError(
            {"file": _("At most %(count)d files at once.") % {"count": MAX_IMPORT_FILES}}
        )
    for name, _raw in files:
        if not name.lower().endswith(IMPORT_SUFFIXES[kind]):
            raise ValidationError(
                {
                    "file": _("%(name)s: a %(kind)s import takes %(suffixes)s files.")
                    % {
                        "name": name,
                        "kind": kind.upper(),
                        "suffixes": ", ".join(IMPORT_SUFFIXES[kind]),
                    }
                }
            )
    return do_import(kind, files, user)


def do_import(kind: str, files: list[tuple[str, bytes]], user: Any = None) -> ImportResult:
    """Run the importer of ``kind`` over the files and record the import in the audit trail; when
    it changed anything, the inventories are matched again."""
    from siaga.exposures.tasks import schedule_full_match

    result = _run_import(kind, files, user)
    if result.created or result.updated:
        schedule_full_match()
    do_record_event(
        AuditAction.CREATE,
        object_type="vulns.import",
        object_id=kind,
        object_repr=f"{kind.upper()} import: " + ", ".join(name for name, _raw in files)[:200],
        changes=import_summary(result),
        actor=user,
    )
    return result


def _run_import(kind: str, files: list[tuple[str, bytes]], user: Any) -> ImportResult:
    from siaga.vulns.importers.csaf import import_csaf
    from siaga.vulns.importers.cve5 import import_cve_records
    from siaga.vulns.importers.epss import import_epss
    from siaga.vulns.importers.kev import import_kev

    if kind == "kev":
        return import_kev(files[0][1])
    if kind == "epss":
        return import_epss(files[0][1])
    if kind == "cve":
        return _cve(files, import_cve_records)
    result = ImportResult(source="CSAF")
    for name, raw in files:
        one = import_csaf(raw, user=user, name=name)
        if one.ok:
            result.merge(one)
            continue
        result.skipped += 1
        for error in one.errors:
            field, _sep, message = error.partition(": ")
            result.note(name, field, message or error)
    return result


def _cve(files: list[tuple[str, bytes]], import_records: Any) -> ImportResult:
    import json

    result = ImportResult(source="CVE JSON 5")
    records = []
    for name, raw in files:
        try:
            records.append((name, json.loads(raw)))
        except RecursionError:
            result.skip(name, "file", "not JSON: nested too deeply")
        except (ValueError, UnicodeDecodeError) as exc:
            result.skip(name, "file", f"not JSON: {exc}")
    result.merge(import_records(records))
    return result


def import_summary(result: ImportResult) -> dict[str, Any]:
    """The counts of an import, as the API, the audit trail and the refresh job show them."""
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "delisted": result.delisted,
        "new_vulnerabilities": result.new_vulnerabilities,
        "products": result.products,
        "errors": len(result.errors),
        "problems": len(result.problems),
    }
