"""SharingFieldsMixin: the choices it offers and the errors it maps to fields."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from siaga.organizations.models import Membership
from siaga.sharing.forms import SharingFieldsMixin
from siaga.sharing.models import SharingGroup, SharingGroupMember

pytestmark = pytest.mark.django_db


class LabelsForm(SharingFieldsMixin, forms.Form):
    source_permission = "indicator.add"


@pytest.fixture
def groups(personas: Any) -> dict[str, SharingGroup]:
    mine = SharingGroup.objects.create(name="Hospitals", owner=personas.orgs.cert)
    SharingGroupMember.objects.create(sharing_group=mine, organization=personas.orgs.hospital)
    other = SharingGroup.objects.create(name="Agencies", owner=personas.orgs.agency)
    SharingGroup.objects.create(name="Retired", owner=personas.orgs.cert, is_active=False)
    return {"mine": mine, "other": other}


def test_groups_offered(personas: Any, groups: Any) -> None:
    hospital = LabelsForm(user=personas.constituent_admin)
    assert list(hospital.fields["sharing_group"].queryset) == [groups["mine"]]
    cert = LabelsForm(user=personas.cert_analyst)
    assert set(cert.fields["sharing_group"].queryset) == {groups["mine"], groups["other"]}


def test_one_organization_is_not_asked(personas: Any) -> None:
    form = LabelsForm(
        {"tlp": "amber", "distribution": "organization"}, user=personas.constituent_admin
    )
    assert "organization" not in form.fields
    assert form.is_valid(), form.errors
    assert form.sharing_data()["organization"] == personas.orgs.hospital


def test_several_organizations_are_a_choice(personas: Any) -> None:
    Membership.objects.create(
        user=personas.coord_member, organization=personas.orgs.cert, role="cert_analyst"
    )
    form = LabelsForm(user=personas.coord_member)
    assert set(form.fields["organization"].queryset) == {personas.orgs.cert, personas.orgs.agency}
    assert form.fields["organization"].initial == personas.orgs.agency.pk  # first by name


def test_contradicting_labels_go_to_their_fields(personas: Any, groups: Any) -> None:
    form = LabelsForm({"tlp": "amber", "distribution": "public"}, user=personas.cert_analyst)
    assert not form.is_valid()
    assert "distribution" in form.errors
    form = LabelsForm({"tlp": "amber", "distribution": "sharing_group"}, user=personas.cert_analyst)
    assert not form.is_valid()
    assert "sharing_group" in form.errors


def test_recipients_only_with_red(personas: Any) -> None:
    data = {"tlp": "green", "distribution": "organization", "recipients": [personas.cert_lead.pk]}
    form = LabelsForm(data, user=personas.cert_analyst)
    assert not form.is_valid() and "recipients" in form.errors
    data["tlp"] = "red"
    form = LabelsForm(data, user=personas.cert_analyst)
    assert form.is_valid(), form.errors
    assert form.sharing_data()["recipients"] == [personas.cert_lead]


def test_a_hospital_cannot_name_people_of_another_hospital(personas: Any) -> None:
    data = {
        "tlp": "red",
        "distribution": "organization",
        "recipients": [personas.other_reporter.pk],
    }
    form = LabelsForm(data, user=personas.constituent_admin)
    assert not form.is_valid() and "recipients" in form.errors
