"""Permission-matrix rows of exposure findings: everyone in an organization may open the list (a
constituent sees its own findings there, others none); the hospital's finding is seen by the CERT's
staff, its auditors and the hospital's members, and changed (status, comment) by the CERT's staff
and the hospital's administrator; matching runs are started by the CERT's staff."""

from __future__ import annotations

from typing import Any

from siaga.constituents.models import InventoryItem
from siaga.core.testing import Personas
from siaga.exposures.models import Finding
from siaga.vulns.models import Vulnerability
from tests.matrix_base import (
    CERT_STAFF,
    HOSPITAL_DESK,
    IN_AN_ORGANIZATION,
    SEES_HOSPITAL_MEMBERS,
    Operation,
    Page,
)

# In an organization, but not one whose findings the hospital's finding belongs to.
NOT_THE_HOSPITAL = frozenset({"coord_member", "other_reporter"})


def rows(personas: Personas) -> dict[str, Any]:
    hospital = personas.orgs.hospital
    vulnerability = Vulnerability.objects.create(cve_id="CVE-2025-0420", in_kev=True)
    item = InventoryItem.objects.create(
        organization=hospital, kind="medical_device", vendor="Contoso", product="Infusion Pump"
    )
    finding = Finding.objects.create(
        organization=hospital, inventory_item=item, vulnerability=vulnerability, in_kev=True
    )
    return {"finding_id": finding.pk}


def _finding(w: Any) -> list[Any]:
    return [w.extra["finding_id"]]


PAGES = [
    Page("exposures:list", IN_AN_ORGANIZATION),
    Page("exposures:detail", SEES_HOSPITAL_MEMBERS, args=_finding),
    Page(
        "exposures:detail",
        HOSPITAL_DESK,
        method="post",
        args=_finding,
        data={"status": "in_progress", "comment": "Patch ordered."},
    ),
    Page("exposures:match", CERT_STAFF, method="post"),
]

OPERATIONS = [
    Operation("get", "/api/v1/findings", IN_AN_ORGANIZATION, empty_for=NOT_THE_HOSPITAL),
    Operation(
        "get",
        "/api/v1/findings/{id}",
        SEES_HOSPITAL_MEMBERS,
        params=lambda w: {"id": w.extra["finding_id"]},
    ),
    Operation(
        "patch",
        "/api/v1/findings/{id}",
        HOSPITAL_DESK,
        params=lambda w: {"id": w.extra["finding_id"]},
        body={"comment": "Vendor contacted."},
    ),
    Operation("post", "/api/v1/findings/match", CERT_STAFF, body={}),
]
