"""Contacts: who may add, change and remove them; notification kinds are validated."""

import pytest
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.constituents.models import Contact
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(personas):
    return Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Budi",
        role="security_officer",
        email="budi@hospital.test",
        notification_kinds=["incidents"],
    )


def test_a_constituent_admin_adds_a_contact(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("constituents:contact-create", args=[hospital.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Rina",
            "role": "data_protection_officer",
            "email": "rina@hospital.test",
            "phone": "+62 21 555 0100",
            "language": "en",
            "notification_kinds": ["legal_notices", "incidents"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(name="Rina")
    assert contact.notification_kinds == ["incidents", "legal_notices"]
    assert contact.organization == hospital


def test_bad_input_gets_field_errors(client, personas):
    login(client, personas.cert_analyst)
    url = reverse("constituents:contact-create", args=[personas.orgs.hospital.pk])
    response = client.post(
        url,
        {
            "name": "X",
            "role": "director",
            "phone": "call me",
            "notification_kinds": ["spam"],
            "language": "id",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "phone" in errors
    assert "notification_kinds" in errors
    assert not Contact.objects.exists()


def test_a_contact_needs_an_email_or_a_phone(client, personas):
    login(client, personas.cert_analyst)
    url = reverse("constituents:contact-create", args=[personas.orgs.hospital.pk])
    response = client.post(url, {"name": "X", "role": "director", "language": "id"})
    assert response.context["form"].errors["email"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_lead", 200),
        ("constituent_admin", 200),
        ("constituent_reporter", 403),
        ("coord_member", 403),
        ("auditor", 403),
        ("other_reporter", 404),
        ("outsider", 404),
    ],
)
def test_who_may_edit_a_contact(client, personas, contact, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("constituents:contact-edit", args=[contact.pk])).status_code == status


def test_editing_saves_and_opening_is_audited(client, personas, contact):
    login(client, personas.constituent_admin)
    url = reverse("constituents:contact-edit", args=[contact.pk])
    client.get(url)
    assert AuditEntry.objects.filter(
        action="view", object_type="constituents.contact", object_id=str(contact.pk)
    ).exists()
    response = client.post(
        url, {"name": "Budi S.", "role": "it_lead", "email": "budi@hospital.test", "language": "id"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.role, contact.is_active) == ("Budi S.", "it_lead", False)


@pytest.mark.parametrize(
    ("persona", "status"), [("constituent_reporter", 403), ("other_reporter", 404)]
)
def test_others_may_not_delete(client, personas, contact, persona, status):
    login(client, personas.by_name(persona))
    assert (
        client.post(reverse("constituents:contact-delete", args=[contact.pk])).status_code == status
    )
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_is_post_only_and_removes(client, personas, contact):
    login(client, personas.constituent_admin)
    url = reverse("constituents:contact-delete", args=[contact.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
