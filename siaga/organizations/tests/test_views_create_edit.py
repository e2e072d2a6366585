"""Creating and editing organizations: the CERT does both; a constituent admin edits contact details."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.organizations.models import Organization

NEW_CLINIC = {
    "name": "Klinik Sehat",
    "short_name": "KS",
    "kind": "constituent",
    "constituent_type": "clinic",
    "email": "it@klinik.test",
    "website": "",
    "is_active": "on",
}


def test_cert_admin_creates_an_organization(client, personas):
    login(client, personas.cert_admin)
    assert client.get(reverse("organizations:create")).status_code == 200
    response = client.post(reverse("organizations:create"), NEW_CLINIC)
    clinic = Organization.objects.get(name="Klinik Sehat")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:detail", args=[clinic.pk])
    assert (clinic.kind, clinic.constituent_type, clinic.is_active) == (
        "constituent",
        "clinic",
        True,
    )


def test_invalid_organization_is_shown_again_with_errors(client, personas):
    login(client, personas.cert_admin)
    response = client.post(reverse("organizations:create"), {**NEW_CLINIC, "constituent_type": ""})
    assert response.status_code == 200
    assert "constituent_type" in response.context["form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert not Organization.objects.filter(name="Klinik Sehat").exists()


def test_duplicate_name_is_a_field_error(client, personas):
    login(client, personas.cert_admin)
    response = client.post(reverse("organizations:create"), {**NEW_CLINIC, "name": "Test Hospital"})
    assert "name" in response.context["form"].errors
    assert Organization.objects.filter(name="Test Hospital").count() == 1


@pytest.mark.parametrize(
    "persona", ["cert_lead", "cert_analyst", "constituent_admin", "auditor", "outsider"]
)
def test_others_may_not_create(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(reverse("organizations:create")).status_code == 403
    assert client.post(reverse("organizations:create"), NEW_CLINIC).status_code == 403
    assert not Organization.objects.filter(name="Klinik Sehat").exists()


def test_cert_admin_edits_every_field(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.cert_admin)
    response = client.post(
        reverse("organizations:edit", args=[hospital.pk]),
        {**NEW_CLINIC, "name": "RS Renamed", "constituent_type": "hospital"},
    )
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert (hospital.name, hospital.short_name) == ("RS Renamed", "KS")


def test_constituent_admin_edits_only_contact_details(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("organizations:edit", args=[hospital.pk])
    form = client.get(url).context["form"]
    assert set(form.fields) == {"short_name", "email", "website"}
    response = client.post(
        url,
        {
            "name": "Hijacked Name",
            "kind": "cert",
            "constituent_type": "",
            "is_active": "",
            "short_name": "RSTH",
            "email": "soc@hospital.test",
            "website": "https://hospital.test",
        },
    )
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert (hospital.name, hospital.kind, hospital.is_active) == (
        "Test Hospital",
        "constituent",
        True,
    )
    assert (hospital.short_name, hospital.email) == ("RSTH", "soc@hospital.test")


def test_constituent_admin_cannot_edit_another_organization(client, personas):
    login(client, personas.constituent_admin)
    other = personas.orgs.other_hospital
    assert client.get(reverse("organizations:edit", args=[other.pk])).status_code == 404
    # Visible (the CERT is not) but not theirs to change:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("organizations:edit", args=[other.pk]), {**NEW_CLINIC, "name": "X"}
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.name == "Other Hospital"


def test_reporter_may_not_edit_own_organization(client, personas):
    login(client, personas.constituent_reporter)
    url = reverse("organizations:edit", args=[personas.orgs.hospital.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"short_name": "X"}).status_code == 403
