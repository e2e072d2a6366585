"""/api/v1 contacts and inventory: create, read, change, delete, each with and without permission."""

import pytest

from siaga.audit.models import AuditEntry
from siaga.constituents.models import Contact, InventoryItem
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_contacts_round_trip(personas):
    hospital = personas.orgs.hospital
    client = api_client_for(personas.constituent_admin)
    url = f"/api/v1/constituents/{hospital.pk}/contacts"
    created = client.post(
        url,
        {
            "name": "Rina",
            "role": "it_lead",
            "email": "rina@h.test",
            "notification_kinds": ["alerts", "incidents"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    assert created.json()["notification_kinds"] == ["incidents", "alerts"]
    listing = client.get(url)
    assert listing.json()["count"] == 1
    assert AuditEntry.objects.filter(action="view", object_id=str(hospital.pk)).exists()
    assert client.get(f"/api/v1/contacts/{contact_id}").json()["name"] == "Rina"
    assert AuditEntry.objects.filter(action="view", object_type="constituents.contact").exists()
    patched = client.patch(
        f"/api/v1/contacts/{contact_id}", {"phone": "+62 811 000 111"}, content_type=JSON
    )
    assert patched.json()["phone"] == "+62 811 000 111"
    assert client.delete(f"/api/v1/contacts/{contact_id}").status_code == 204
    assert not Contact.objects.exists()


def test_contact_validation_and_permissions(personas):
    hospital = personas.orgs.hospital
    url = f"/api/v1/constituents/{hospital.pk}/contacts"
    bad = api_client_for(personas.cert_analyst).post(
        url,
        {"name": "X", "role": "boss", "notification_kinds": ["spam"], "extra": 1},
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert {"role", "notification_kinds.0", "extra"} <= {e["field"] for e in bad.json()["errors"]}
    no_reach = api_client_for(personas.cert_analyst).post(
        url, {"name": "X", "role": "director"}, content_type=JSON
    )
    assert no_reach.status_code == 422
    assert no_reach.json()["errors"][0]["field"] == "email"
    body = {"name": "X", "role": "director", "email": "x@h.test"}
    assert (
        api_client_for(personas.constituent_reporter).post(url, body, content_type=JSON).status_code
        == 403
    )
    assert (
        api_client_for(personas.other_reporter).post(url, body, content_type=JSON).status_code
        == 404
    )
    assert (
        api_client_for(personas.constituent_admin, scope="read")
        .post(url, body, content_type=JSON)
        .status_code
        == 403
    )


def test_inventory_round_trip_and_permissions(personas):
    hospital = personas.orgs.hospital
    client = api_client_for(personas.constituent_admin)
    url = f"/api/v1/constituents/{hospital.pk}/inventory"
    created = client.post(
        url,
        {
            "kind": "medical_device",
            "product": "Infusomat Space",
            "cpe": "cpe:2.3:h:bbraun:infusomat_space:-:*:*:*:*:*:*:*",
            "purl": "PKG:generic/infusomat",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert created.json()["purl"] == "pkg:generic/infusomat"
    assert created.json()["criticality"] == "medium"
    assert client.get(url + "?kind=medical_device").json()["count"] == 1
    assert client.get(url + "?kind=other").json()["count"] == 0
    bad = client.patch(f"/api/v1/inventory/{item_id}", {"cpe": "cpe:2.3:x"}, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cpe"
    ok = client.patch(f"/api/v1/inventory/{item_id}", {"internet_exposed": True}, content_type=JSON)
    assert ok.json()["internet_exposed"] is True
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(f"/api/v1/inventory/{item_id}").status_code == 200
    assert reporter.delete(f"/api/v1/inventory/{item_id}").status_code == 403
    assert (
        api_client_for(personas.coord_member).get(f"/api/v1/inventory/{item_id}").status_code == 404
    )
    assert client.delete(f"/api/v1/inventory/{item_id}").status_code == 204
    assert not InventoryItem.objects.exists()
