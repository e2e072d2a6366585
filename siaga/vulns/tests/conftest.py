"""Shared paths and builders of the vulnerability import tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
KEV_FILE = SHARED / "kev" / "known_exploited_vulnerabilities.json"
needs_shared = pytest.mark.skipif(
    not KEV_FILE.exists(), reason="../shared/data/kev is not here (a user's clone); CI has it"
)
CVE_SAMPLES = Path(__file__).resolve().parent / "data" / "cve"


def kev_record(cve: str = "CVE-2024-0001", **fields: Any) -> dict[str, Any]:
    record = {
        "cveID": cve,
        "vendorProject": "Contoso",
        "product": "Patient Monitor Gateway",
        "vulnerabilityName": "Contoso Patient Monitor Gateway Command Injection",
        "dateAdded": "2025-01-10",
        "shortDescription": "An OS command injection in the gateway's web interface.",
        "requiredAction": "Apply mitigations per vendor instructions.",
        "dueDate": "2025-01-31",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "https://contoso.example/psirt/2025-001",
        "cwes": ["CWE-78"],
    }
    record.update(fields)
    return record


def kev_catalog(*records: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2025.01.10",
        "dateReleased": "2025-01-10T17:00:00.000Z",
        "count": len(records),
        "vulnerabilities": [copy.deepcopy(record) for record in records],
    }


def cve_sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CVE_SAMPLES / f"{name}.json").read_text())
    return data


CSAF_DIR = SHARED / "csaf" / "icsma"
needs_icsma = pytest.mark.skipif(
    not CSAF_DIR.exists(),
    reason="../shared/data/csaf/icsma is not here (a user's clone); CI has it",
)


def csaf_document(
    tracking_id: str = "CONTOSO-2025-001",
    release: str = "2025-03-01T10:00:00.000Z",
    cve: str = "CVE-2025-10001",
    tlp: str = "WHITE",
    **vulnerability: Any,
) -> dict[str, Any]:
    """A small CSAF 2.0 security advisory that passes the schema and the mandatory tests."""
    vuln: dict[str, Any] = {
        "cve": cve,
        "cwe": {"id": "CWE-798", "name": "Use of Hard-coded Credentials"},
        "notes": [
            {
                "category": "summary",
                "text": "The pump gateway has a hard-coded service password.",
                "title": "Vulnerability Summary",
            }
        ],
        "product_status": {"known_affected": ["CSAFPID-0001"], "fixed": ["CSAFPID-0002"]},
        "references": [
            {"category": "external", "summary": "vendor", "url": "https://contoso.example/psirt/1"}
        ],
        "remediations": [
            {
                "category": "vendor_fix",
                "details": "Update the gateway to 2.7.",
                "product_ids": ["CSAFPID-0001"],
            }
        ],
        "scores": [
            {
                "cvss_v3": {
                    "baseScore": 9.8,
                    "baseSeverity": "CRITICAL",
                    "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    "version": "3.1",
                },
                "products": ["CSAFPID-0001"],
            }
        ],
    }
    vuln.update(vulnerability)
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": tlp, "url": "https://www.first.org/tlp/"}},
            "lang": "en-US",
            "publisher": {
                "category": "vendor",
                "name": "Contoso Medical",
                "namespace": "https://contoso.example",
            },
            "title": "Contoso Pump Gateway hard-coded credentials",
            "tracking": {
                "current_release_date": release,
                "id": tracking_id,
                "initial_release_date": "2025-03-01T10:00:00.000Z",
                "revision_history": [
                    {"date": release, "number": "1", "summary": "Initial publication"}
                ],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Contoso Medical",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "Pump Gateway",
                            "branches": [
                                {
                                    "category": "product_version_range",
                                    "name": "vers:generic/<2.7",
                                    "product": {
                                        "name": "Contoso Pump Gateway < 2.7",
                                        "product_id": "CSAFPID-0001",
                                    },
                                },
                                {
                                    "category": "product_version",
                                    "name": "2.7",
                                    "product": {
                                        "name": "Contoso Pump Gateway 2.7",
                                        "product_id": "CSAFPID-0002",
                                    },
                                },
                            ],
                        }
                    ],
                }
            ]
        },
        "vulnerabilities": [vuln],
    }
