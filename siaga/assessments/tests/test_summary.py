"""The summary for other apps: accepted results, trends, the maturity distribution; peers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siaga.assessments import actions
from siaga.assessments.models import Assessment
from siaga.assessments.results import result_of
from siaga.assessments.summary import accepted_results, maturity_distribution, organization_trend
from siaga.assessments.tests.conftest import answer_all, make_campaign
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db


def _accept(personas, assessment, values, admin=None):
    answer_all(admin or personas.constituent_admin, assessment, values)
    actions.check_submit(admin or personas.constituent_admin, assessment)
    return actions.check_accept(personas.cert_lead, assessment)


def test_accepted_results_and_distribution(personas, submitted):
    window = (timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1))
    assert accepted_results(*window) == []
    actions.check_accept(personas.cert_lead, submitted)
    [result] = accepted_results(*window)
    assert (result.organization_name, result.score_percent, result.maturity) == (
        "Test Hospital", 100.0, "High",
    )  # fmt: skip
    assert result.area_scores == {"Area A": 100.0, "Area B": 100.0}
    assert result.framework_name == "Small test framework"
    assert accepted_results(*window, organization_ids=[personas.orgs.other_hospital.pk]) == []
    assert maturity_distribution(*window) == [("Low", 0), ("Medium", 0), ("High", 1)]


def test_trend_oldest_first(personas, framework, submitted):
    actions.check_accept(personas.cert_lead, submitted)
    second = make_campaign(
        personas, framework, name="Second", organizations=[personas.orgs.hospital]
    )
    actions.check_send(personas.cert_lead, second)
    later = Assessment.objects.get(campaign=second)
    _accept(personas, later, {"A.1": "no", "A.2": "no", "B.1": "yes"})
    trend = organization_trend(personas.orgs.hospital.pk, "small-test")
    assert [row.campaign_name for row in trend] == ["Test campaign", "Second"]
    assert organization_trend(personas.orgs.hospital.pk, "other") == []


def test_peer_comparison_only_from_three_peers_and_without_names(personas, framework):
    from siaga.core.testing import make_user

    hospitals = [
        Organization.objects.create(
            name=f"Peer {n}", kind=OrganizationKind.CONSTITUENT,
            constituent_type=ConstituentType.HOSPITAL,
        )
        for n in range(3)
    ]  # fmt: skip
    admins = [make_user(f"a{n}@peer.test", org, "constituent_admin") for n, org in
              enumerate(hospitals)]  # fmt: skip
    campaign = make_campaign(
        personas, framework, organizations=[personas.orgs.hospital, *hospitals]
    )
    actions.check_send(personas.cert_lead, campaign)
    mine = Assessment.objects.get(campaign=campaign, organization=personas.orgs.hospital)
    for n, (org, admin) in enumerate(zip(hospitals[:2], admins, strict=False)):
        peer = Assessment.objects.get(campaign=campaign, organization=org)
        _accept(personas, peer, {"A.1": "yes", "A.2": "yes" if n else "no", "B.1": "yes"}, admin)
    assert result_of(mine, "en").peers_by_kind is None
    peer = Assessment.objects.get(campaign=campaign, organization=hospitals[2])
    _accept(personas, peer, {"A.1": "no", "A.2": "no", "B.1": "no"}, admins[2])
    stats = result_of(mine, "en").peers_by_kind
    assert stats is not None and stats.count == 3 and stats.median == 50.0
