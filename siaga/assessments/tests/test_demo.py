"""The demo: a CSF 2.0 campaign sent to the demo facilities, the hospital's answers accepted."""

from __future__ import annotations

import pytest

from siaga.assessments.choices import AssessmentStatus
from siaga.assessments.demo import CAMPAIGN, load_demo
from siaga.core.demo import load_demo_data

pytestmark = pytest.mark.django_db


def test_demo_campaign_with_one_accepted_assessment():
    load_demo_data()
    campaign = load_demo()
    assert campaign is not None and campaign.name == CAMPAIGN
    assert campaign.framework.slug == "nist-csf"
    statuses = dict(campaign.assessments.values_list("organization__name", "status"))
    assert statuses["RSUD Sehat Sentosa"] == AssessmentStatus.ACCEPTED
    assert len(statuses) >= 3
    accepted = campaign.assessments.get(status=AssessmentStatus.ACCEPTED)
    assert 0 < accepted.score_percent < 100
    assert load_demo().pk == campaign.pk  # once
