"""The lookup page, and the registry's demo data."""

import pytest
from django.urls import reverse

from siaga.constituents.demo import load_constituent_demo
from siaga.constituents.lookup import current_index
from siaga.constituents.models import ConstituentProfile, Contact, InventoryItem, NetworkAsset
from siaga.constituents.tests.conftest import make_asset
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("coord_member", 200),
        ("constituent_admin", 403),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_who_may_use_the_lookup_page(client, personas, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("constituents:lookup")).status_code == status


def test_the_lookup_page_shows_owners_and_errors(client, personas):
    make_asset(personas.orgs.hospital, "domain", "rsud.example")
    login(client, personas.coord_member)
    response = client.get(reverse("constituents:lookup"), {"value": "https://www.rsud.example/"})
    assert [o.organization_name for o in response.context["owners"]] == ["Test Hospital"]
    assert "Test Hospital" in response.content.decode()
    response = client.get(reverse("constituents:lookup"), {"value": "nonsense value"})
    assert response.context["form"].errors["value"]
    response = client.get(reverse("constituents:lookup"), {"value": "198.51.100.1"})
    assert "No constituent has registered this." in response.content.decode()


def test_the_demo_describes_the_hospital_once(personas):
    hospital = personas.orgs.hospital
    for _ in range(2):
        load_constituent_demo({"RSUD-SS": hospital})
    profile = ConstituentProfile.objects.get(organization=hospital)
    assert (
        profile.province,
        profile.is_vital_infrastructure,
        profile.holds_personal_health_data,
    ) == ("31", True, True)
    assert Contact.objects.filter(organization=hospital).count() == 2
    assert set(NetworkAsset.objects.values_list("value", "status")) == {
        ("192.0.2.0/24", "approved"),
        ("2001:db8:10::/48", "approved"),
        ("rsud-ss.siaga.example", "approved"),
        ("AS64500", "approved"),
    }
    # The SIMRS, the PACS, an infusion pump and the infusion station.
    assert InventoryItem.objects.filter(organization=hospital).count() == 4
    index = current_index()
    assert [o.organization_id for o in index.owners_of("2001:db8:10::1")] == [hospital.pk]
    load_constituent_demo({})  # without the hospital: nothing to do
