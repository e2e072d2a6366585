"""A risk may name the assessment whose results showed it: for a constituent's risk one of that
constituent's assessments that the user may see; the link shows on the page and in the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from siaga.assessments.models import Assessment, Campaign, Framework
from siaga.core.testing import api_client_for, login
from siaga.risks import actions
from siaga.risks.tests.conftest import risk_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessments(personas):
    framework = Framework.objects.create(
        slug="small", version="1", name_en="Small", name_id="Kecil", definition={}
    )
    campaign = Campaign.objects.create(
        name="Readiness 2026", framework=framework, deadline=date(2026, 12, 31), status="sent"
    )
    return {
        org: Assessment.objects.create(campaign=campaign, organization=getattr(personas.orgs, org))
        for org in ("hospital", "other_hospital")
    }


def test_a_constituent_risk_names_its_own_assessment(client, personas, assessments):
    admin = personas.constituent_admin
    data = risk_data(organization=personas.orgs.hospital.pk)
    with pytest.raises(ValidationError) as refused:
        actions.check_create_risk(admin, {**data, "assessment": assessments["other_hospital"].pk})
    assert "assessment" in refused.value.message_dict
    risk = actions.check_create_risk(admin, {**data, "assessment": assessments["hospital"].pk})
    assert risk.assessment == assessments["hospital"]
    login(client, personas.constituent_reporter)
    assert "Readiness 2026" in client.get(f"/risks/{risk.pk}/").content.decode()
    api = api_client_for(personas.constituent_reporter).get(f"/api/v1/risks/{risk.pk}")
    assert api.json()["assessment_id"] == assessments["hospital"].pk
    # A change that does not touch it keeps it.
    actions.check_change_risk(admin, risk, {"asset": "Ward PCs"})
    risk.refresh_from_db()
    assert risk.assessment == assessments["hospital"]
