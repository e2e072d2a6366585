"""Demo data: a handful of sector-level risks of the coordination group's register and one risk of
the demo hospital, entered through the same actions as any other (so they carry their ratings and
audit entries), one of them re-rated after treatment so the rating history is not empty."""

from __future__ import annotations

from typing import Any

from siaga.accounts.models import User
from siaga.organizations.models import Organization
from siaga.risks import actions
from siaga.risks.choices import RiskCategory, RiskStatus, RiskTreatment
from siaga.risks.models import Risk

CERT_LEAD = "lead@csirt.siaga.example"
COORD_MEMBER = "member@bsn.siaga.example"
HOSPITAL_ADMIN = "admin@rsud-ss.siaga.example"
HOSPITAL = "RSUD-SS"

SECTOR_RISKS: list[dict[str, Any]] = [
    {
        "title": "Ransomware on hospital information systems",
        "category": RiskCategory.CLINICAL_AVAILABILITY,
        "asset": "Hospital information systems (SIMRS), PACS and laboratory systems",
        "threat": "Ransomware groups entering through remote access without a second factor.",
        "vulnerability": "Flat hospital networks, untested backups, VPNs without MFA.",
        "ratings": (4, 5, 3, 4),
        "treatment": RiskTreatment.MITIGATE,
        "treatment_plan": "Second factor on every remote access; offline backups tested each "
        "quarter; network segmentation guidance for hospitals.",
        "status": RiskStatus.IN_TREATMENT,
        "owner": CERT_LEAD,
    },
    {
        "title": "Leakage of patient records through third-party vendors",
        "category": RiskCategory.THIRD_PARTY,
        "asset": "Electronic medical records shared with IT vendors and insurers",
        "threat": "A vendor's breach or misconfigured cloud storage exposing patient data.",
        "vulnerability": "Contracts without security clauses; vendors with broad access.",
        "ratings": (3, 5, 3, 4),
        "treatment": RiskTreatment.MITIGATE,
        "treatment_plan": "Model contract clauses for data protection; vendor access reviews.",
        "status": RiskStatus.OPEN,
        "owner": COORD_MEMBER,
    },
    {
        "title": "Unpatched medical devices",
        "category": RiskCategory.MEDICAL_DEVICES,
        "asset": "Infusion pumps, patient monitors and imaging modalities",
        "threat": "Exploitation of known vulnerabilities in device software.",
        "vulnerability": "Devices that cannot be patched without the vendor; no inventory.",
        "ratings": (3, 4, 3, 3),
        "treatment": RiskTreatment.MITIGATE,
        "treatment_plan": "Inventory of devices in every hospital; isolate devices on their own "
        "network; track vendors' advisories.",
        "status": RiskStatus.OPEN,
        "owner": CERT_LEAD,
    },
    {
        "title": "Outage of the national health data exchange",
        "category": RiskCategory.CLINICAL_AVAILABILITY,
        "asset": "National health data exchange platform",
        "threat": "Denial of service or a failure of the hosting provider.",
        "vulnerability": "Single hosting site.",
        "ratings": (2, 4, 2, 3),
        "treatment": RiskTreatment.TRANSFER,
        "treatment_plan": "A second hosting site under the provider's contract.",
        "status": RiskStatus.ACCEPTED,
        "owner": COORD_MEMBER,
    },
]

HOSPITAL_RISK: dict[str, Any] = {
    "title": "Shared accounts on ward workstations",
    "category": RiskCategory.IDENTITY_ACCESS,
    "asset": "Ward workstations with access to the medical records",
    "threat": "Unauthorised reading of patient records by staff or visitors.",
    "vulnerability": "One account shared by the nurses of a ward; no screen lock.",
    "ratings": (4, 3, 2, 3),
    "treatment": RiskTreatment.MITIGATE,
    "treatment_plan": "Personal accounts with badge sign-in; screen lock after five minutes.",
    "status": RiskStatus.IN_TREATMENT,
    "owner": HOSPITAL_ADMIN,
}


def _data(spec: dict[str, Any], organization: Organization | None, owner: User) -> dict[str, Any]:
    inherent_likelihood, inherent_impact, residual_likelihood, residual_impact = spec["ratings"]
    # The residual rating starts at the inherent one; the demo re-rates it after treatment below.
    return {
        **{k: v for k, v in spec.items() if k not in {"ratings", "owner"}},
        "organization": organization.pk if organization else None,
        "owner": owner.pk,
        "inherent_likelihood": inherent_likelihood,
        "inherent_impact": inherent_impact,
        "residual_likelihood": inherent_likelihood,
        "residual_impact": inherent_impact,
        "review_cycle_days": 90,
        "_residual": (residual_likelihood, residual_impact),
    }


def _load(spec: dict[str, Any], author: User, organization: Organization | None) -> Risk | None:
    existing = Risk.objects.filter(title=spec["title"], organization=organization).first()
    if existing is not None:
        return existing
    owner = User.objects.filter(email=spec["owner"]).first()
    if owner is None:
        return None
    data = _data(spec, organization, owner)
    residual_likelihood, residual_impact = data.pop("_residual")
    risk = actions.check_create_risk(author, data)
    return actions.check_change_risk(
        author,
        risk,
        {
            "residual_likelihood": residual_likelihood,
            "residual_impact": residual_impact,
            "rating_reason": "Re-rated with the controls in place.",
        },
    )


def load_demo() -> list[Risk]:
    """The demo risks (made once); none when the demo users are missing."""
    lead = User.objects.filter(email=CERT_LEAD).first()
    made: list[Risk] = []
    if lead is not None:
        made += [risk for spec in SECTOR_RISKS if (risk := _load(spec, lead, None))]
    admin = User.objects.filter(email=HOSPITAL_ADMIN).first()
    hospital = Organization.objects.filter(short_name=HOSPITAL).first()
    if admin is not None and hospital is not None:
        risk = _load(HOSPITAL_RISK, admin, hospital)
        if risk is not None:
            made.append(risk)
    return made
