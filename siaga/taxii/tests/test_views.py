"""The pages that list and manage TAXII collections."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.sharing.choices import TLP, Distribution
from siaga.taxii.demo import seed_collections
from siaga.taxii.models import Collection
from siaga.taxii.tests.helpers import Scenario

pytestmark = pytest.mark.django_db


def test_list_shows_readable_collections_with_their_address(client, scenario: Scenario) -> None:
    login(client, scenario.personas.coord_member)
    response = client.get(reverse("taxii:collection-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Coordination (AMBER)" in page
    assert "Hospitals (AMBER)" not in page
    assert f"http://testserver/taxii2/siaga/collections/{scenario.green.uuid}/" in page
    assert "http://testserver/taxii2/" in page
    assert reverse("taxii:collection-create") not in page  # not staff


def test_staff_create_a_collection(client, scenario: Scenario) -> None:
    login(client, scenario.personas.cert_lead)
    data = {
        "title": "Coordination (GREEN)",
        "alias": "coordination-green",
        "distribution": Distribution.SHARING_GROUP,
        "sharing_group": scenario.group.pk,
        "tlp": TLP.GREEN,
        "writable": "on",
        "is_active": "on",
    }
    response = client.post(reverse("taxii:collection-create"), data)
    assert response.status_code == 302
    created = Collection.objects.get(alias="coordination-green")
    assert created.cell == f"sharing_group:{scenario.group.pk}:-:green"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"distribution": Distribution.PUBLIC, "tlp": TLP.AMBER}, "cannot be shared"),
        ({"distribution": Distribution.CONSTITUENTS, "tlp": TLP.GREEN}, "Another collection"),
        ({"distribution": Distribution.ORGANIZATION, "tlp": TLP.AMBER}, "Choose the organization"),
        ({"distribution": Distribution.SHARING_GROUP, "tlp": TLP.AMBER}, "sharing group"),
    ],
)
def test_contradicting_labels_are_refused_with_a_reason(
    client, scenario: Scenario, labels: dict, message: str
) -> None:
    login(client, scenario.personas.cert_admin)
    response = client.post(
        reverse("taxii:collection-create"), {"title": "Bad", "is_active": "on", **labels}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Collection.objects.filter(title="Bad").exists()


def test_staff_edit_a_collection(client, scenario: Scenario) -> None:
    login(client, scenario.personas.cert_analyst)
    url = reverse("taxii:collection-edit", args=[scenario.green.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "Community (read only)",
        "distribution": Distribution.CONSTITUENTS,
        "tlp": TLP.GREEN,
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    scenario.green.refresh_from_db()
    assert scenario.green.title == "Community (read only)"
    assert scenario.green.writable is False


def test_partners_may_not_manage_collections(client, scenario: Scenario) -> None:
    login(client, scenario.personas.coord_member)
    assert client.get(reverse("taxii:collection-create")).status_code == 403
    edit = reverse("taxii:collection-edit", args=[scenario.green.pk])
    assert client.get(edit).status_code == 403


def test_seed_collections_is_idempotent(scenario: Scenario) -> None:
    Collection.objects.all().delete()
    first = seed_collections()
    titles = {c.title for c in first}
    assert titles == {
        "Public (TLP:CLEAR)",
        "Community (TLP:GREEN)",
        "Coordination group (TLP:AMBER)",
        "Jakarta hospitals (TLP:AMBER)",
    }
    assert {c.pk for c in seed_collections()} == {c.pk for c in first}
