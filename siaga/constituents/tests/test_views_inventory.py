"""Inventory pages: list with filters and constant queries, create, edit, delete, by persona."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.constituents.models import InventoryItem
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(personas):
    return InventoryItem.objects.create(
        organization=personas.orgs.hospital, kind="medical_device", name="Ventilator", vendor="Acme"
    )


def test_list_filters_and_constant_queries(client, personas, django_assert_max_num_queries):
    hospital = personas.orgs.hospital
    InventoryItem.objects.create(
        organization=hospital,
        kind="information_system",
        name="SIMRS",
        internet_exposed=True,
        criticality="critical",
    )
    login(client, personas.constituent_reporter)
    url = reverse("constituents:inventory", args=[hospital.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(30):
        InventoryItem.objects.create(organization=hospital, kind="other", name=f"PC {number:02d}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 25

    def names(**params):
        return {i.name for i in client.get(url, params).context["page"].object_list}

    assert names(kind="information_system") == {"SIMRS"}
    assert names(exposed="yes") == {"SIMRS"}
    assert names(criticality="critical") == {"SIMRS"}
    assert names(q="pc 0") == {f"PC 0{n}" for n in range(10)}


def test_create_validates_cpe_and_purl(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("constituents:inventory-create", args=[hospital.pk])
    data = {
        "kind": "information_system",
        "name": "PACS",
        "criticality": "high",
        "cpe": "cpe:2.3:a:x",
        "purl": "nope",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"cpe", "purl"}
    data.update(
        cpe="cpe:2.3:a:orthanc:orthanc:1.12.1:*:*:*:*:*:*:*", purl="pkg:generic/orthanc@1.12.1"
    )
    assert client.post(url, data).status_code == 302
    assert InventoryItem.objects.get(name="PACS").organization == hospital


def test_a_name_or_a_product_is_needed(client, personas):
    login(client, personas.cert_analyst)
    url = reverse("constituents:inventory-create", args=[personas.orgs.hospital.pk])
    response = client.post(url, {"kind": "other", "criticality": "low"})
    assert response.context["form"].errors["name"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("constituent_admin", 200),
        ("constituent_reporter", 403),
        ("auditor", 403),
        ("coord_member", 404),  # the coordination group does not see inventories
        ("other_reporter", 404),
    ],
)
def test_who_may_edit(client, personas, item, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("constituents:inventory-edit", args=[item.pk])).status_code == status


def test_edit_and_delete(client, personas, item):
    login(client, personas.constituent_admin)
    url = reverse("constituents:inventory-edit", args=[item.pk])
    response = client.post(
        url,
        {"kind": "medical_device", "name": "Ventilator", "version": "2", "criticality": "critical"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.version, item.criticality) == ("2", "critical")
    login(client, personas.constituent_reporter)
    assert client.post(reverse("constituents:inventory-delete", args=[item.pk])).status_code == 403
    login(client, personas.constituent_admin)
    assert client.post(reverse("constituents:inventory-delete", args=[item.pk])).status_code == 302
    assert not InventoryItem.objects.exists()
