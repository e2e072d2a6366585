"""/api/v1 network assets (requests, review, removal) and the ownership lookup."""

import pytest

from siaga.constituents.choices import AssetStatus
from siaga.constituents.models import NetworkAsset
from siaga.constituents.tests.conftest import make_asset
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_request_review_and_removal(personas, django_capture_on_commit_callbacks):
    hospital = personas.orgs.hospital
    admin = api_client_for(personas.constituent_admin)
    cert = api_client_for(personas.cert_analyst)
    url = f"/api/v1/constituents/{hospital.pk}/network-assets"
    bad = admin.post(url, {"kind": "ip_range", "value": "192.0.2.1/24"}, content_type=JSON)
    assert bad.status_code == 422
    assert "192.0.2.0/24" in bad.json()["errors"][0]["message"]
    created = admin.post(url, {"kind": "ip_range", "value": "192.0.2.0/24"}, content_type=JSON)
    assert created.status_code == 201
    asset_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    assert (
        admin.post(
            f"/api/v1/network-assets/{asset_id}/review", {"decision": "approve"}, content_type=JSON
        ).status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = cert.post(
            f"/api/v1/network-assets/{asset_id}/review",
            {"decision": "approve", "note": "ok"},
            content_type=JSON,
        )
    assert reviewed.json()["status"] == "approved"
    assert reviewed.json()["reviewed_by"]["email"] == personas.cert_analyst.email
    removal = admin.delete(f"/api/v1/network-assets/{asset_id}")
    assert removal.status_code == 202
    assert removal.json()["status"] == "removal_pending"
    again = cert.post(
        f"/api/v1/network-assets/{asset_id}/review", {"decision": "approve"}, content_type=JSON
    )
    assert again.status_code == 200
    assert again.json() is None
    assert not NetworkAsset.objects.exists()


def test_list_flags_overlaps_in_constant_queries(personas, django_assert_max_num_queries):
    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    make_asset(other, "ip_range", "10.0.0.0/8")
    for number in range(15):
        make_asset(hospital, "ip_range", f"10.{number}.0.0/16")
    client = api_client_for(personas.cert_admin)
    with django_assert_max_num_queries(7):
        body = client.get(f"/api/v1/constituents/{hospital.pk}/network-assets?limit=100").json()
    assert body["count"] == 15
    assert all(row["overlaps"][0]["organization"]["id"] == other.pk for row in body["results"])
    one = client.get(f"/api/v1/network-assets/{body['results'][0]['id']}").json()
    assert one["overlaps"][0]["value"] == "10.0.0.0/8"
    assert (
        client.get(f"/api/v1/constituents/{hospital.pk}/network-assets?status=pending").json()[
            "count"
        ]
        == 0
    )


def test_assets_are_scoped(personas):
    asset = make_asset(personas.orgs.hospital, "asn", "AS64500")
    assert (
        api_client_for(personas.other_reporter)
        .get(f"/api/v1/network-assets/{asset.pk}")
        .status_code
        == 404
    )
    assert (
        api_client_for(personas.coord_member).get(f"/api/v1/network-assets/{asset.pk}").status_code
        == 200
    )
    assert (
        api_client_for(personas.coord_member)
        .delete(f"/api/v1/network-assets/{asset.pk}")
        .status_code
        == 403
    )
    assert (
        api_client_for(personas.cert_lead).delete(f"/api/v1/network-assets/{asset.pk}").status_code
        == 204
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("192.0.2.9", "ip"),
        ("AS64500", "asn"),
        ("mail.rsud.example", "domain"),
        ("https://rsud.example/x", "url"),
        ("a@rsud.example", "email"),
    ],
)
def test_lookup_finds_the_owner(personas, value, kind):
    hospital = personas.orgs.hospital
    for asset_kind, asset_value in (
        ("ip_range", "192.0.2.0/24"),
        ("asn", "AS64500"),
        ("domain", "rsud.example"),
    ):
        make_asset(hospital, asset_kind, asset_value)
    make_asset(personas.orgs.other_hospital, "asn", "AS64501", status=AssetStatus.PENDING)
    response = api_client_for(personas.coord_member).get("/api/v1/lookup", {"value": value})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == kind
    assert [o["organization_id"] for o in body["owners"]] == [hospital.pk]


def test_lookup_refuses_nonsense_and_outsiders(personas):
    response = api_client_for(personas.cert_analyst).get("/api/v1/lookup", {"value": "not a thing"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "value"
    assert (
        api_client_for(personas.cert_analyst)
        .get("/api/v1/lookup", {"value": "AS64501"})
        .json()["owners"]
        == []
    )
    for persona in ("constituent_admin", "auditor", "outsider"):
        assert (
            api_client_for(personas.by_name(persona))
            .get("/api/v1/lookup", {"value": "192.0.2.1"})
            .status_code
            == 403
        )
