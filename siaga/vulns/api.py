"""API of vulnerability intelligence: vulnerabilities (everyone in an organization), vendor CSAF
advisories and imports (the CERT).

``POST /vulnerabilities/import`` takes a ``multipart/form-data`` body with ``kind`` (kev, cve,
epss, csaf) and one or more ``file`` parts, and answers with the counts and every problem (record,
field, message); a file that could not be read at all is listed in ``errors`` and changed nothing.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.core.apitools import ApiProblem, ObjectId, Page, Text, optional
from siaga.sharing.choices import TLP
from siaga.vulns import actions
from siaga.vulns.choices import CvssSeverity, ProductSource, ProductStatus
from siaga.vulns.filters import MAX_SEARCH, ORDERING, filter_vulnerabilities
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability
from siaga.vulns.views import csaf_response

router = Router(tags=["vulnerabilities"])

CveId = Annotated[
    str,
    Field(
        pattern=r"^[Cc][Vv][Ee]-[0-9]{4}-[0-9]{4,19}$",
        max_length=32,
        description="The CVE id, e.g. CVE-2024-3400.",
    ),
]

IMPORT_BODY = {
    "x-siaga-problems": ["413", "415"],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": list(actions.IMPORT_KINDS),
                            "description": "kev, cve, epss or csaf.",
                        },
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "The file (KEV, EPSS) or files (CVE, CSAF).",
                        },
                    },
                }
            }
        },
    },
}

CSAF_RESPONSES = {
    "responses": {
        200: {
            "description": "The CSAF 2.0 document as it was received.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
}


class AffectedProductOut(Schema):
    source: ProductSource
    status: ProductStatus
    vendor: str
    product: str
    versions: str = Field(description="The version constraint as the source wrote it; empty: all.")
    name: str
    product_id: str
    cpe: str
    purl: str
    vendor_advisory_id: int | None


class AdvisoryProductOut(AffectedProductOut):
    cve_id: str

    @staticmethod
    def resolve_cve_id(obj: AffectedProduct) -> str:
        return obj.vulnerability.cve_id


class VulnerabilityOut(Schema):
    cve_id: str
    title: str
    description: str
    published: datetime | None
    last_modified: datetime | None
    rejected: bool
    cvss3_vector: str
    cvss3_score: Decimal | None
    cvss3_severity: str
    cvss4_vector: str
    cvss4_score: Decimal | None
    cvss4_severity: str
    cwe_ids: list[str]
    in_kev: bool
    kev_date_added: date | None
    kev_due_date: date | None
    epss_score: float | None
    epss_percentile: float | None
    epss_date: date | None


class VulnerabilityDetailOut(VulnerabilityOut):
    rejected_reason: str
    references: list[str]
    kev_vendor_project: str
    kev_product: str
    kev_vulnerability_name: str
    kev_required_action: str
    kev_known_ransomware: str
    kev_notes: str
    affected_products: list[AffectedProductOut]
    vendor_advisory_ids: list[int]


class VulnerabilityFilter(Schema):
    q: Text = optional(max_length=MAX_SEARCH, description="Part of a CVE id, title or description.")
    in_kev: bool = optional(description="Only those (not) in CISA's KEV catalog.")
    epss_min: float = optional(ge=0, le=1, description="Only those with an EPSS score this high.")
    severity: CvssSeverity = optional(description="The CVSS v3.1 or v4.0 rating.")


class VendorAdvisoryOut(Schema):
    id: int
    tracking_id: str
    title: str
    publisher_name: str
    publisher_namespace: str
    category: str
    lang: str
    tlp: TLP
    tracking_version: str
    tracking_status: str
    initial_release_date: datetime | None
    current_release_date: datetime | None
    sha256: str
    created_at: datetime


class RemediationOut(Schema):
    cve: str
    category: str
    details: str
    url: str
    products: list[str]


class CsafWarningOut(Schema):
    test: str
    title: str
    path: str
    message: str


class VendorAdvisoryDetailOut(VendorAdvisoryOut):
    cves: list[str]
    affected_products: list[AdvisoryProductOut]
    remediations: list[RemediationOut]
    warnings: list[CsafWarningOut] = Field(
        description="The document's failed CSAF 2.0 mandatory tests, checked now."
    )


class ImportProblemOut(Schema):
    record: str
    field: str
    message: str


class ImportOut(Schema):
    kind: str
    created: int
    updated: int
    unchanged: int
    skipped: int
    delisted: int
    new_vulnerabilities: int
    products: int
    errors: list[str] = Field(description="Why a file was refused as a whole (nothing stored).")
    problems: list[ImportProblemOut]


@router.get(
    "/vulnerabilities",
    response=list[VulnerabilityOut],
    operation_id="vulnerabilities_list",
    summary="List vulnerabilities",
)
@paginate(Page)
def list_vulnerabilities(request: HttpRequest, filters: Query[VulnerabilityFilter]) -> Any:
    """Newest published first."""
    actions.require(request.user, "vulnerability.view")
    return filter_vulnerabilities(
        actions.visible_vulnerabilities(request.user),
        q=filters.q or "",
        in_kev=filters.in_kev,
        epss_min=filters.epss_min,
        severity=filters.severity or "",
    ).order_by(*ORDERING)


@router.post(
    "/vulnerabilities/import",
    response=ImportOut,
    operation_id="vulnerabilities_import",
    summary="Import KEV, CVE JSON 5, EPSS or CSAF files",
    openapi_extra=IMPORT_BODY,
)
def import_files(request: HttpRequest) -> Any:
    """Needs ``vulnerability.add`` (and ``vendoradvisory.add`` for CSAF). Files over
    ``SIAGA_VULN_IMPORT_MAX_MB`` together are a 413."""
    actions.require(request.user, "vulnerability.add")
    if not (request.content_type or "").startswith("multipart/"):
        raise ApiProblem(
            415, "http-error", _("Send the files as multipart/form-data (fields “kind”, “file”).")
        )
    kind = request.POST.get("kind", "")
    if kind not in actions.IMPORT_KINDS:
        raise ValidationError({"kind": _("Choose kev, cve, epss or csaf.")})
    uploads = request.FILES.getlist("file")
    if not uploads:
        raise ValidationError({"file": _("Attach the file as the “file” field.")})
    limit = actions.max_import_bytes()
    if sum(upload.size or 0 for upload in uploads) > limit:
        raise ApiProblem(
            413,
            "too-large",
            _("The files together are larger than %(limit)d MB.") % {"limit": limit // 2**20},
        )
    result = actions.check_import(
        request.user, kind, [(upload.name or "", upload.read()) for upload in uploads]
    )
    return {
        "kind": kind,
        **actions.import_summary(result),
        "errors": result.errors,
        "problems": result.problems,
    }


@router.get(
    "/vulnerabilities/{cve_id}",
    response=VulnerabilityDetailOut,
    operation_id="vulnerabilities_get",
    summary="Get a vulnerability",
)
def get_vulnerability(request: HttpRequest, cve_id: CveId) -> Any:
    """With its affected products (by source) and the vendor advisories naming it that you may
    see."""
    vulnerability = actions.access_vulnerability(request.user, cve_id)
    data = {name: getattr(vulnerability, name) for name in VulnerabilityOut.model_fields}
    for name in VulnerabilityDetailOut.model_fields:
        if name not in data and hasattr(Vulnerability, name) and name != "affected_products":
            data[name] = getattr(vulnerability, name)
    data["affected_products"] = [
        row for rows in actions.affected_by_source(vulnerability).values() for row in rows
    ]
    data["vendor_advisory_ids"] = list(
        actions.advisories_naming(request.user, vulnerability).values_list("pk", flat=True)
    )
    return data


@router.get(
    "/vendor-advisories",
    response=list[VendorAdvisoryOut],
    operation_id="vendor_advisories_list",
    summary="List vendor CSAF advisories",
)
@paginate(Page)
def list_vendor_advisories(request: HttpRequest) -> Any:
    """Newest release first (the CERT's staff and auditors)."""
    actions.require(request.user, "vendoradvisory.view")
    return actions.visible_vendor_advisories(request.user).order_by("-current_release_date", "pk")


@router.get(
    "/vendor-advisories/{id}",
    response=VendorAdvisoryDetailOut,
    operation_id="vendor_advisories_get",
    summary="Get a vendor CSAF advisory",
)
def get_vendor_advisory(request: HttpRequest, id: ObjectId) -> Any:
    advisory: VendorAdvisory = actions.access_vendor_advisory(request.user, id)
    data = {name: getattr(advisory, name) for name in VendorAdvisoryOut.model_fields}
    data |= {
        "cves": actions.advisory_cves(advisory),
        "affected_products": list(actions.advisory_products(advisory)),
        "remediations": actions.remediations(advisory),
        "warnings": actions.document_warnings(advisory),
    }
    return data


@router.get(
    "/vendor-advisories/{id}/csaf",
    operation_id="vendor_advisories_csaf",
    summary="Download a vendor advisory's CSAF document",
    openapi_extra=CSAF_RESPONSES,
)
def get_vendor_advisory_csaf(request: HttpRequest, id: ObjectId) -> Any:
    return csaf_response(actions.access_vendor_advisory(request.user, id))
