"""Affected systems come from the affected constituents' inventories."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from siaga.constituents.actions import check_create_item
from siaga.core.testing import api_client_for, login
from siaga.incidents.actions import check_update_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def systems(personas):
    admin = personas.cert_admin
    return {
        "pacs": check_create_item(
            admin,
            personas.orgs.hospital,
            {"kind": "medical_device", "name": "PACS", "vendor": "Acme"},
        ),
        "elsewhere": check_create_item(
            admin, personas.orgs.other_hospital, {"kind": "information_system", "name": "SIMRS"}
        ),
    }


def test_a_system_of_an_affected_constituent_is_recorded(personas, make_incident, systems):
    incident = make_incident(affected_constituents=[personas.orgs.hospital.pk])
    check_update_incident(
        personas.cert_analyst, incident, {"affected_systems": [systems["pacs"].pk]}
    )
    assert list(incident.affected_systems.all()) == [systems["pacs"]]
    assert list(systems["pacs"].incidents.all()) == [incident]


def test_a_system_of_another_constituent_is_refused_and_nothing_changes(
    personas, make_incident, systems
):
    incident = make_incident(affected_constituents=[personas.orgs.hospital.pk], title="Before")
    with pytest.raises(ValidationError) as caught:
        check_update_incident(
            personas.cert_analyst,
            incident,
            {"title": "After", "affected_systems": [systems["elsewhere"].pk]},
        )
    assert "affected_systems" in caught.value.message_dict
    incident.refresh_from_db()
    assert incident.title == "Before" and not incident.affected_systems.exists()


def test_unknown_system_is_refused(personas, make_incident):
    incident = make_incident(affected_constituents=[personas.orgs.hospital.pk])
    with pytest.raises(ValidationError, match="Unknown system"):
        check_update_incident(personas.cert_analyst, incident, {"affected_systems": [999_999]})


def test_the_api_sets_and_shows_affected_systems(personas, make_incident, systems):
    incident = make_incident(affected_constituents=[personas.orgs.hospital.pk])
    api = api_client_for(personas.cert_analyst)
    response = api.patch(
        f"/api/v1/incidents/{incident.pk}",
        {"affected_system_ids": [systems["pacs"].pk], "handling_actions": "PACS isolated."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["name"] for s in body["affected_systems"]] == ["PACS"]
    assert body["handling_actions"] == "PACS isolated."
    response = api.patch(
        f"/api/v1/incidents/{incident.pk}",
        {"affected_system_ids": [systems["elsewhere"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "affected_systems"


def test_the_edit_form_offers_only_the_affected_constituents_systems(
    client, personas, make_incident, systems
):
    incident = make_incident(affected_constituents=[personas.orgs.hospital.pk])
    login(client, personas.cert_analyst)
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    offered = list(form.fields["affected_systems"].queryset)
    assert offered == [systems["pacs"]]
    assert form.fields["affected_systems"].label_from_instance(systems["pacs"]) == (
        "Test Hospital — PACS (Acme)"
    )
