"""Who sees and changes which risk: a constituent its own, the coordination group and auditors read
every risk (sector-level ones included), only the CERT's staff change sector-level risks, and a
constituent's administrator changes its own constituent's risks only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.risks import actions
from siaga.risks.models import Risk
from siaga.risks.tests.conftest import risk_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def risks(sector_risk, hospital_risk, other_risk):
    return {"sector": sector_risk, "hospital": hospital_risk, "other": other_risk}


def visible(user, action="view"):
    return set(Risk.objects.restrict(user, action).values_list("title", flat=True))


ALL_TITLES = {"Unpatched medical devices", "Shared ward accounts", "Other hospital's backups"}


@pytest.mark.parametrize(
    ("persona", "reads", "changes"),
    [
        ("cert_admin", ALL_TITLES, ALL_TITLES),
        ("cert_analyst", ALL_TITLES, ALL_TITLES),
        ("coord_member", ALL_TITLES, set()),
        ("auditor", ALL_TITLES, set()),
        ("constituent_admin", {"Shared ward accounts"}, {"Shared ward accounts"}),
        ("constituent_reporter", {"Shared ward accounts"}, set()),
        ("other_reporter", {"Other hospital's backups"}, set()),
        ("outsider", set(), set()),
    ],
)
def test_scope_of_each_persona(personas, risks, persona, reads, changes):
    user = personas.by_name(persona)
    assert visible(user) == reads
    assert visible(user, "change") == changes


def test_the_constituent_admin_changes_only_its_own(personas, risks):
    admin = personas.constituent_admin
    changed = actions.check_change_risk(admin, risks["hospital"], {"asset": "Ward PCs"})
    assert changed.asset == "Ward PCs"
    for name in ("sector", "other"):
        with pytest.raises(PermissionDenied):
            actions.check_change_risk(admin, risks[name], {"asset": "Ward PCs"})
        with pytest.raises(PermissionDenied):
            actions.check_review_risk(admin, risks[name])
    assert Risk.objects.filter(asset="Ward PCs").count() == 1


def test_the_constituent_admin_adds_only_to_its_own_register(personas):
    admin = personas.constituent_admin
    with pytest.raises(ValidationError) as refused:
        actions.check_create_risk(admin, risk_data(organization=None))
    assert "organization" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.check_create_risk(admin, risk_data(organization=personas.orgs.other_hospital.pk))
    made = actions.check_create_risk(admin, risk_data(organization=personas.orgs.hospital.pk))
    assert made.organization == personas.orgs.hospital
    assert Risk.objects.count() == 1


@pytest.mark.parametrize("persona", ["constituent_reporter", "coord_member", "auditor", "outsider"])
def test_readers_cannot_add(personas, persona):
    with pytest.raises(PermissionDenied):
        actions.check_create_risk(
            personas.by_name(persona), risk_data(organization=personas.orgs.hospital.pk)
        )
    assert not Risk.objects.exists()


def test_the_owner_must_be_able_to_read_the_risk(personas):
    analyst = personas.cert_analyst
    hospital = personas.orgs.hospital.pk
    with pytest.raises(ValidationError) as refused:
        actions.check_create_risk(
            analyst, risk_data(organization=hospital, owner=personas.other_reporter.pk)
        )
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.check_create_risk(analyst, risk_data(owner=personas.constituent_admin.pk))
    sector = actions.check_create_risk(analyst, risk_data(owner=personas.coord_member.pk))
    assert sector.owner == personas.coord_member
    own = actions.check_create_risk(
        analyst, risk_data(organization=hospital, owner=personas.constituent_reporter.pk)
    )
    assert own.owner == personas.constituent_reporter


def test_links_hidden_from_the_editor_stay_linked(personas, make_risk):
    from siaga.incidents.actions import check_create_incident

    secret = check_create_incident(personas.cert_analyst, {"title": "Not the hospital's"})
    risk = make_risk(personas.orgs.hospital, incidents=[secret.pk])
    admin = personas.constituent_admin
    actions.check_change_risk(admin, risk, {"incidents": [], "asset": "Ward PCs"})
    assert list(risk.incidents.values_list("pk", flat=True)) == [secret.pk]
    with pytest.raises(ValidationError) as refused:
        actions.check_change_risk(admin, risk, {"incidents": [secret.pk + 1000]})
    assert "incidents" in refused.value.message_dict
