"""Every change of a rating is a RiskRating row (who, when, which rating, values, why); other
changes add none; a changed rating without a reason, or bad input, saves nothing. Creating,
changing and reviewing a risk are in the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from siaga.audit.models import AuditEntry
from siaga.risks import actions
from siaga.risks.models import Risk, RiskRating
from siaga.risks.tests.conftest import risk_data

pytestmark = pytest.mark.django_db


def test_a_new_risk_has_both_ratings(personas, sector_risk):
    ratings = list(sector_risk.ratings.order_by("kind"))
    assert [(r.kind, r.likelihood, r.impact, r.score) for r in ratings] == [
        ("inherent", 4, 5, 20),
        ("residual", 3, 4, 12),
    ]
    assert {r.actor for r in ratings} == {personas.cert_analyst}
    assert {r.reason for r in ratings} == {"Initial rating"}
    assert (sector_risk.inherent_score, sector_risk.residual_score) == (20, 12)
    assert sector_risk.residual_level.key == "high"


def test_a_changed_rating_is_recorded_with_its_reason(personas, sector_risk):
    lead = personas.cert_lead
    actions.check_change_risk(
        lead,
        sector_risk,
        {"residual_likelihood": 2, "residual_impact": 3, "rating_reason": "MFA rolled out"},
    )
    latest = sector_risk.ratings.order_by("-pk").first()
    assert (latest.kind, latest.likelihood, latest.impact, latest.score) == ("residual", 2, 3, 6)
    assert (latest.actor, latest.reason) == (lead, "MFA rolled out")
    assert sector_risk.ratings.count() == 3
    sector_risk.refresh_from_db()
    assert sector_risk.residual_score == 6


def test_other_changes_add_no_rating(personas, sector_risk):
    actions.check_change_risk(personas.cert_lead, sector_risk, {"status": "in_treatment"})
    assert sector_risk.ratings.count() == 2


def test_a_changed_rating_needs_a_reason_and_nothing_is_saved_without(personas, sector_risk):
    with pytest.raises(ValidationError) as refused:
        actions.check_change_risk(
            personas.cert_lead, sector_risk, {"inherent_impact": 4, "title": "Renamed"}
        )
    assert "rating_reason" in refused.value.message_dict
    sector_risk.refresh_from_db()
    assert (sector_risk.inherent_impact, sector_risk.title) == (5, "Unpatched medical devices")
    assert RiskRating.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"inherent_impact": 0}, "inherent_impact"),
        ({"residual_likelihood": 5, "residual_impact": 5}, "residual_impact"),  # above inherent
        ({"title": "  "}, "title"),
        ({"category": "weather"}, "category"),
        ({"review_cycle_days": 0}, "review_cycle_days"),
        ({"status": "gone"}, "status"),
        ({"findings": "1,2"}, "findings"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(personas, changes, field):
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.check_create_risk(personas.cert_analyst, risk_data(**changes))
    assert field in refused.value.message_dict
    assert not Risk.objects.exists()
    assert not RiskRating.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_create_change_and_review_are_audited(personas, sector_risk):
    def entries():
        return list(
            AuditEntry.objects.filter(object_type="risks.risk", object_id=str(sector_risk.pk))
            .order_by("seq")
            .values_list("action", flat=True)
        )

    assert entries() == ["create"]
    actions.check_change_risk(personas.cert_lead, sector_risk, {"asset": "Infusion pumps"})
    change = AuditEntry.objects.filter(object_type="risks.risk").order_by("-seq").first()
    assert change.action == "update"
    assert change.changes["asset"] == ["SIMRS", "Infusion pumps"]
    actions.check_review_risk(personas.cert_lead, sector_risk, notes="Still valid")
    assert entries() == ["create", "update", "update"]
    assert AuditEntry.objects.filter(object_type="risks.riskreview", action="create").count() == 1
    assert AuditEntry.objects.filter(object_type="risks.riskrating").count() == 2


def test_the_risk_page_shows_the_history(client, personas, sector_risk):
    from siaga.core.testing import login

    actions.check_change_risk(
        personas.cert_lead,
        sector_risk,
        {"residual_likelihood": 2, "residual_impact": 3, "rating_reason": "MFA rolled out"},
    )
    login(client, personas.coord_member)
    page = client.get(f"/risks/{sector_risk.pk}/").content.decode()
    assert "Rating history" in page
    assert "MFA rolled out" in page
    assert page.count("Initial rating") == 2
