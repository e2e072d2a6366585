"""Permission-matrix rows of the risk register: everyone in an organization opens the register (a
constituent sees its own risks there); the hospital's risk is read by the CERT's staff, the
coordination group's members, auditors and the hospital's members, and changed and reviewed by the
CERT's staff and the hospital's administrator; a sector-level risk is read by the CERT's staff, the
coordination group's members and auditors, and changed by the CERT's staff only."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.risks import actions
from siaga.risks.tests.conftest import risk_data
from tests.matrix_base import (
    CERT_STAFF,
    HOSPITAL_DESK,
    IN_AN_ORGANIZATION,
    SEES_HOSPITAL,
    Operation,
    Page,
)

READS_SECTOR_RISKS = CERT_STAFF | {"coord_member", "auditor"}


def rows(personas: Personas) -> dict[str, Any]:
    hospital = actions.check_create_risk(
        personas.cert_analyst,
        risk_data(organization=personas.orgs.hospital.pk, title="Shared ward accounts"),
    )
    sector = actions.check_create_risk(personas.cert_analyst, risk_data(title="Ransomware"))
    return {"hospital_risk_id": hospital.pk, "sector_risk_id": sector.pk}


def _hospital_risk(w: Any) -> list[Any]:
    return [w.extra["hospital_risk_id"]]


def _sector_risk(w: Any) -> list[Any]:
    return [w.extra["sector_risk_id"]]


def _new_hospital_risk(w: Any) -> dict[str, Any]:
    return {
        "organization": w.hospital_id,
        "title": "Unpatched infusion pumps",
        "category": "medical_devices",
        "inherent_likelihood": 3,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 4,
        "treatment": "mitigate",
        "status": "open",
        "review_cycle_days": 90,
    }


PAGES = [
    Page("risks:list", IN_AN_ORGANIZATION),
    Page("risks:export", IN_AN_ORGANIZATION),
    Page("risks:heat-map", IN_AN_ORGANIZATION),
    Page("risks:create", HOSPITAL_DESK),
    Page("risks:create", HOSPITAL_DESK, method="post", data=_new_hospital_risk),
    Page("risks:detail", SEES_HOSPITAL, args=_hospital_risk),
    Page("risks:detail", READS_SECTOR_RISKS, args=_sector_risk),
    Page("risks:edit", HOSPITAL_DESK, args=_hospital_risk),
    Page("risks:edit", CERT_STAFF, args=_sector_risk),
    Page("risks:review", HOSPITAL_DESK, args=_hospital_risk),
    Page(
        "risks:review",
        HOSPITAL_DESK,
        method="post",
        args=_hospital_risk,
        data={"notes": "Controls checked."},
    ),
]

OPERATIONS = [
    Operation("get", "/api/v1/risks", IN_AN_ORGANIZATION, empty_for=frozenset({"other_reporter"})),
    Operation("post", "/api/v1/risks", HOSPITAL_DESK, body=_new_hospital_risk),
    Operation(
        "get",
        "/api/v1/risks/{id}",
        SEES_HOSPITAL,
        params=lambda w: {"id": w.extra["hospital_risk_id"]},
    ),
    Operation(
        "patch",
        "/api/v1/risks/{id}",
        HOSPITAL_DESK,
        params=lambda w: {"id": w.extra["hospital_risk_id"]},
        body={"asset": "Ward workstations"},
    ),
    Operation(
        "post",
        "/api/v1/risks/{id}/reviews",
        HOSPITAL_DESK,
        params=lambda w: {"id": w.extra["hospital_risk_id"]},
        body={"notes": "Controls checked."},
    ),
]
