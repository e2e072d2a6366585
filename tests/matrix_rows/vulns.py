"""Permission-matrix rows of vulnerability intelligence: everyone in an organization reads
vulnerabilities; vendor CSAF advisories are read by the CERT's staff and auditors; imports are the
CERT's staff's (``vulnerability.add``)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from siaga.core.testing import Personas
from siaga.vulns.importers.csaf import import_csaf
from siaga.vulns.models import VendorAdvisory
from siaga.vulns.tests.conftest import csaf_document
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

READS_VENDOR_ADVISORIES = CERT_STAFF | {"auditor"}
IMPORTS = CERT_STAFF


def rows(personas: Personas) -> dict[str, Any]:
    result = import_csaf(csaf_document(tracking_id="MATRIX-2025-001", cve="CVE-2025-20001"))
    assert result.ok, result.errors
    advisory = VendorAdvisory.objects.get(tracking_id="MATRIX-2025-001")
    return {"vendor_advisory_id": advisory.pk, "cve_id": "CVE-2025-20001"}


def _advisory(w: Any) -> list[Any]:
    return [w.extra["vendor_advisory_id"]]


def _advisory_params(w: Any) -> dict[str, Any]:
    return {"id": w.extra["vendor_advisory_id"]}


PAGES = [
    Page("vulns:list", IN_AN_ORGANIZATION),
    Page("vulns:detail", IN_AN_ORGANIZATION, args=lambda w: [w.extra["cve_id"]]),
    Page("vulns:advisories", READS_VENDOR_ADVISORIES),
    Page("vulns:advisory-detail", READS_VENDOR_ADVISORIES, args=_advisory),
    Page("vulns:advisory-csaf", READS_VENDOR_ADVISORIES, args=_advisory),
    Page("vulns:import", IMPORTS),
]

OPERATIONS = [
    Operation("get", "/api/v1/vulnerabilities", IN_AN_ORGANIZATION),
    Operation(
        "get",
        "/api/v1/vulnerabilities/{cve_id}",
        IN_AN_ORGANIZATION,
        params=lambda w: {"cve_id": w.extra["cve_id"]},
    ),
    # A KEV document that is refused as a whole: allowed callers get 200 with its errors, and
    # nothing changes.
    Operation(
        "post",
        "/api/v1/vulnerabilities/import",
        IMPORTS,
        form={"kind": "kev", "file": lambda: SimpleUploadedFile("kev.json", b"{}")},
    ),
    Operation("get", "/api/v1/vendor-advisories", READS_VENDOR_ADVISORIES),
    Operation(
        "get", "/api/v1/vendor-advisories/{id}", READS_VENDOR_ADVISORIES, params=_advisory_params
    ),
    Operation(
        "get",
        "/api/v1/vendor-advisories/{id}/csaf",
        READS_VENDOR_ADVISORIES,
        params=_advisory_params,
    ),
]
