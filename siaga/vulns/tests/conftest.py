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
