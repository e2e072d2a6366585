"""Network assets: self-service requests, the CERT's review, removals, overlaps, and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.constituents import actions
from siaga.constituents.choices import AssetStatus
from siaga.constituents.models import NetworkAsset
from siaga.constituents.tests.conftest import make_asset
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


def test_a_constituent_admin_asks_and_the_cert_adds_at_once(personas):
    hospital = personas.orgs.hospital
    asked = actions.check_add_asset(
        personas.constituent_admin, hospital, "ip_range", "192.0.2.0/24"
    )
    assert asked.status == AssetStatus.PENDING
    assert asked.requested_by == personas.constituent_admin
    added = actions.check_add_asset(personas.cert_analyst, hospital, "domain", "RSUD.example")
    assert added.status == AssetStatus.APPROVED
    assert added.value == "rsud.example"
    assert added.reviewed_by == personas.cert_analyst


@pytest.mark.parametrize(
    "persona", ["constituent_reporter", "other_reporter", "coord_member", "auditor"]
)
def test_others_may_not_add(personas, persona):
    with pytest.raises(PermissionDenied):
        actions.check_add_asset(personas.by_name(persona), personas.orgs.hospital, "asn", "64500")


def test_the_same_value_twice_is_refused_with_a_clear_message(personas):
    hospital = personas.orgs.hospital
    actions.check_add_asset(personas.cert_admin, hospital, "asn", "AS64500")
    with pytest.raises(ValidationError) as error:
        actions.check_add_asset(personas.constituent_admin, hospital, "asn", "64500")
    assert "already listed" in error.value.message_dict["value"][0]


def test_a_rejected_request_can_be_asked_again(personas):
    hospital = personas.orgs.hospital
    asset = actions.check_add_asset(personas.constituent_admin, hospital, "asn", "AS64501")
    actions.check_review_asset(personas.cert_lead, asset, "reject", "Not yours")
    again = actions.check_add_asset(personas.constituent_admin, hospital, "asn", "AS64501")
    assert again.pk == asset.pk
    assert again.status == AssetStatus.PENDING
    assert again.review_note == ""


def test_review_transitions_and_impossible_ones(personas):
    hospital = personas.orgs.hospital
    asset = actions.check_add_asset(
        personas.constituent_admin, hospital, "ip_range", "192.0.2.0/24"
    )
    approved = actions.check_review_asset(personas.cert_analyst, asset, "approve", " ok ").asset
    assert approved.status == AssetStatus.APPROVED
    assert approved.review_note == "ok"
    assert approved.reviewed_at is not None
    with pytest.raises(ValidationError, match="not waiting for a review"):
        actions.check_review_asset(personas.cert_analyst, asset, "approve")
    outcome = actions.check_remove_asset(personas.constituent_admin, asset)
    assert not outcome.deleted
    assert outcome.asset.status == AssetStatus.REMOVAL_PENDING
    with pytest.raises(ValidationError, match="already requested"):
        actions.check_remove_asset(personas.constituent_admin, asset)
    kept = actions.check_review_asset(personas.cert_analyst, asset, "reject").asset
    assert kept.status == AssetStatus.APPROVED
    actions.check_remove_asset(personas.constituent_admin, asset)
    assert actions.check_review_asset(personas.cert_analyst, asset, "approve").deleted
    assert not NetworkAsset.objects.filter(pk=asset.pk).exists()


def test_only_cert_staff_review(personas):
    asset = actions.check_add_asset(personas.constituent_admin, personas.orgs.hospital, "asn", "1")
    for persona in ("constituent_admin", "coord_member", "auditor"):
        with pytest.raises(PermissionDenied):
            actions.check_review_asset(personas.by_name(persona), asset, "approve")


def test_a_pending_request_is_withdrawn_and_the_cert_deletes_at_once(personas):
    hospital = personas.orgs.hospital
    pending = actions.check_add_asset(personas.constituent_admin, hospital, "asn", "AS7")
    assert actions.check_remove_asset(personas.constituent_admin, pending).deleted
    approved = make_asset(hospital, "asn", "AS8")
    assert actions.check_remove_asset(personas.cert_analyst, approved).deleted
    assert not NetworkAsset.objects.filter(organization=hospital).exists()


def test_every_transition_is_audited(personas):
    asset = actions.check_add_asset(
        personas.constituent_admin, personas.orgs.hospital, "asn", "AS9"
    )
    actions.check_review_asset(personas.cert_analyst, asset, "approve")
    entries = AuditEntry.objects.filter(
        object_type="constituents.networkasset", object_id=str(asset.pk)
    ).order_by("seq")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["status"] == ["pending", "approved"]


def test_overlaps_with_other_organizations_are_found(personas):
    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    mine = make_asset(hospital, "ip_range", "10.1.2.0/24")
    wide = make_asset(other, "ip_range", "10.0.0.0/8", status=AssetStatus.PENDING)
    make_asset(other, "ip_range", "10.2.0.0/16")  # disjoint
    make_asset(other, "ip_range", "10.1.2.0/25", status=AssetStatus.REJECTED)  # not claimed
    make_asset(hospital, "ip_range", "10.1.0.0/16")  # its own: not an overlap
    assert mine.find_overlaps() == [wide]
    domain = make_asset(hospital, "domain", "rsud.example")
    child = make_asset(other, "domain", "lab.rsud.example")
    make_asset(other, "domain", "xrsud.example")
    assert domain.find_overlaps() == [child]
    assert child.find_overlaps() == [domain]
    asn = make_asset(hospital, "asn", "AS64500")
    same = make_asset(other, "asn", "AS64500")
    assert asn.find_overlaps() == [same]


# --- Pages ---------------------------------------------------------------------------------------


def test_the_asset_page_creates_a_pending_request(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("constituents:asset-create", args=[hospital.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "ip_range", "value": "192.0.2.5/24"})
    assert response.status_code == 200
    assert "did you mean the network 192.0.2.0/24" in response.content.decode()
    response = client.post(url, {"kind": "ip_range", "value": "192.0.2.0/24"})
    assert response.status_code == 302
    assert NetworkAsset.objects.get(organization=hospital).status == AssetStatus.PENDING


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("constituent_reporter", 403),
        ("other_reporter", 404),
        ("coord_member", 403),
        ("outsider", 404),
    ],
)
def test_the_asset_page_refuses_others(client, personas, persona, status):
    login(client, personas.by_name(persona))
    url = reverse("constituents:asset-create", args=[personas.orgs.hospital.pk])
    assert client.get(url).status_code == status


def test_the_review_queue_shows_requests_with_overlaps_and_takes_decisions(client, personas):
    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    make_asset(other, "ip_range", "192.0.2.0/24")
    asset = actions.check_add_asset(
        personas.constituent_admin, hospital, "ip_range", "192.0.2.128/25"
    )
    login(client, personas.cert_analyst)
    response = client.get(reverse("constituents:asset-review-queue"))
    assert response.status_code == 200
    [listed] = response.context["assets"]
    assert listed.pk == asset.pk
    assert [o.organization_id for o in listed.overlapping] == [other.pk]
    assert "Overlaps" in response.content.decode()
    response = client.post(
        reverse("constituents:asset-review", args=[asset.pk]), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED


@pytest.mark.parametrize("persona", ["constituent_admin", "coord_member", "auditor", "outsider"])
def test_the_review_queue_is_for_cert_staff(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(reverse("constituents:asset-review-queue")).status_code == 403


def test_review_queue_query_count_is_constant(client, personas, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hospital = personas.orgs.hospital
    actions.check_add_asset(personas.constituent_admin, hospital, "asn", "AS1")
    login(client, personas.cert_analyst)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("constituents:asset-review-queue"))
    for number in range(2, 20):
        actions.check_add_asset(personas.constituent_admin, hospital, "asn", f"AS{number}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("constituents:asset-review-queue"))
    assert len(response.context["assets"]) == 19


def test_the_remove_button_asks_for_a_removal(client, personas):
    asset = make_asset(personas.orgs.hospital, "domain", "rsud.example")
    login(client, personas.constituent_admin)
    response = client.post(reverse("constituents:asset-remove", args=[asset.pk]))
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.status == AssetStatus.REMOVAL_PENDING
    login(client, personas.constituent_reporter)
    assert client.post(reverse("constituents:asset-remove", args=[asset.pk])).status_code == 403
