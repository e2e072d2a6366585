"""Builders of the risk tests: the fields of a risk, and risks made through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.notifications.tests.conftest import send_inline  # noqa: F401  # fixture
from siaga.risks import actions
from siaga.risks.models import Risk


def risk_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": None,
        "title": "Ransomware on the hospital information system",
        "description": "Encryption of the SIMRS would stop admissions.",
        "asset": "SIMRS",
        "category": "clinical_availability",
        "threat": "Ransomware",
        "vulnerability": "VPN without a second factor",
        "owner": None,
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "residual_likelihood": 3,
        "residual_impact": 4,
        "treatment": "mitigate",
        "treatment_plan": "MFA on the VPN; offline backups.",
        "due_date": None,
        "status": "open",
        "review_cycle_days": 90,
        "next_review_date": None,
        "incidents": [],
        "findings": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_risk(personas: Any) -> Any:
    """A risk made by the CERT's analyst: a sector one, or ``organization=`` a constituent's."""

    def make(organization: Any = None, user: Any = None, **fields: Any) -> Risk:
        data = risk_data(organization=organization.pk if organization else None, **fields)
        return actions.check_create_risk(user or personas.cert_analyst, data)

    return make


@pytest.fixture
def sector_risk(make_risk: Any) -> Risk:
    return make_risk(title="Unpatched medical devices")


@pytest.fixture
def hospital_risk(make_risk: Any, personas: Any) -> Risk:
    return make_risk(personas.orgs.hospital, title="Shared ward accounts")


@pytest.fixture
def other_risk(make_risk: Any, personas: Any) -> Risk:
    return make_risk(personas.orgs.other_hospital, title="Other hospital's backups")
