"""Lists of members show people's names and e-mail addresses: each showing is audited."""

import pytest

from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for, login

pytestmark = pytest.mark.django_db


def listing_entries(organization):
    return AuditEntry.objects.filter(
        action="view", object_type="organizations.organization", object_id=str(organization.pk)
    )


def test_the_organization_page_records_who_saw_its_member_list(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.cert_analyst)
    assert client.get(f"/organizations/{hospital.pk}/").status_code == 200
    entry = listing_entries(hospital).get()
    assert entry.actor_id == personas.cert_analyst.pk
    assert entry.changes == {"listed": "accounts.user", "count": 2}


def test_the_api_member_list_is_audited_too(personas):
    hospital = personas.orgs.hospital
    response = api_client_for(personas.constituent_admin).get(
        f"/api/v1/organizations/{hospital.pk}/members"
    )
    assert response.status_code == 200
    entry = listing_entries(hospital).get()
    assert entry.actor_id == personas.constituent_admin.pk
    assert entry.via == "api"


def test_an_empty_list_shows_no_one_and_records_nothing(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.coord_member)  # sees the hospital, not its people
    assert client.get(f"/organizations/{hospital.pk}/").status_code == 200
    assert not listing_entries(hospital).exists()
