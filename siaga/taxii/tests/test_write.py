"""Adding objects to a collection (POST → 202 + status) and deleting them (DELETE)."""

from __future__ import annotations

import json
import uuid

import pytest

from siaga.audit.models import AuditEntry
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.stix.models import StixObject
from siaga.taxii.models import TaxiiStatus
from siaga.taxii.protocol import TAXII_MEDIA_TYPE
from siaga.taxii.tests.helpers import ROOT, Scenario, later, make_stix, objects_url, taxii_client

pytestmark = pytest.mark.django_db


def indicator(**extra: object) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-30T01:00:00.000Z",
        "modified": "2026-11-30T01:00:00.000Z",
        "name": "Phishing domain",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": "2026-11-30T01:00:00Z",
        **extra,
    }


def post(client, collection, objects: list) -> object:
    return client.post(
        objects_url(collection),
        data=json.dumps({"objects": objects}),
        content_type=TAXII_MEDIA_TYPE,
    )


def test_partner_posts_objects_that_take_the_collection_labels(scenario: Scenario) -> None:
    agency_user = scenario.personas.coord_member
    good = indicator()
    bad = {"type": "indicator", "id": "not-an-id"}
    response = post(taxii_client(agency_user), scenario.green, [good, bad])
    assert response.status_code == 202, response.content
    assert response["Content-Type"] == TAXII_MEDIA_TYPE
    status = response.json()
    assert status["status"] == "complete"
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (2, 1, 1)
    assert status["pending_count"] == 0
    assert status["successes"] == [{"id": good["id"], "version": good["modified"]}]
    assert status["failures"][0]["message"]
    stored = StixObject.objects.get(stix_id=good["id"])
    assert (stored.tlp, stored.distribution, stored.sharing_group_id) == (
        TLP.GREEN,
        Distribution.CONSTITUENTS,
        None,
    )
    assert stored.organization_id == scenario.personas.orgs.agency.pk
    assert stored.created_by_id == agency_user.pk
    assert stored.source == f"taxii:{scenario.green.uuid}"
    # The status can be read again by its owner, and the post is in the audit trail.
    again = taxii_client(agency_user).get(f"{ROOT}status/{status['id']}/").json()
    assert again == status
    assert AuditEntry.objects.filter(object_type="taxii.taxiistatus").exists()


def test_posting_the_same_object_twice_is_a_success_marked_as_held(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    obj = indicator()
    post(client, scenario.green, [obj])
    status = post(client, scenario.green, [obj]).json()
    assert status["success_count"] == 1
    assert "message" in status["successes"][0]
    assert StixObject.objects.filter(stix_id=obj["id"]).count() == 1


def test_an_object_marked_more_restrictive_than_the_collection_fails(scenario: Scenario) -> None:
    client = taxii_client(scenario.personas.coord_member)
    red = indicator(object_marking_refs=[TLP2_MARKING_IDS[TLP.RED]])
    status = post(client, scenario.green, [red]).json()
    assert status["failure_count"] == 1
    assert "TLP:RED" in status["failures"][0]["message"]
    assert not StixObject.objects.filter(stix_id=red["id"]).exists()


def test_posted_amber_object_reaches_the_group_and_no_one_else(scenario: Scenario) -> None:
    p = scenario.personas
    obj = indicator()
    assert post(taxii_client(p.coord_member), scenario.amber, [obj]).status_code == 202
    url = f"{objects_url(scenario.amber)}{obj['id']}/"
    assert taxii_client(p.cert_analyst).get(url).status_code == 200
    assert taxii_client(p.constituent_admin).get(url).status_code == 404


def test_writing_an_organization_collection_needs_that_organization(scenario: Scenario) -> None:
    # The agency cannot even read the CERT's own collection.
    response = post(taxii_client(scenario.personas.coord_member), scenario.cert_strict, [])
    assert response.status_code == 404
    ok = post(taxii_client(scenario.personas.cert_analyst), scenario.cert_strict, [indicator()])
    assert ok.status_code == 202
    stored = StixObject.objects.get(source=f"taxii:{scenario.cert_strict.uuid}")
    assert stored.organization_id == scenario.personas.orgs.cert.pk


def test_delete_removes_every_version_and_only_for_the_source_organization(
    scenario: Scenario,
) -> None:
    p = scenario.personas
    stix_id = "indicator--22222222-2222-4222-8222-222222222222"
    for minutes in (0, 10):
        make_stix(p.orgs.agency, stix_id=stix_id, version=later(minutes), is_latest=minutes == 10)
    url = f"{objects_url(scenario.green)}{stix_id}/"
    # A hospital sees the object but did not write it: 403.
    assert taxii_client(p.constituent_admin).delete(url).status_code == 403
    assert taxii_client(p.coord_member).delete(url).status_code == 200
    assert not StixObject.objects.filter(stix_id=stix_id).exists()
    assert taxii_client(p.coord_member).delete(url).status_code == 404


def test_delete_one_version_makes_the_previous_latest(scenario: Scenario) -> None:
    p = scenario.personas
    stix_id = "indicator--33333333-3333-4333-8333-333333333333"
    for minutes in (0, 10):
        make_stix(p.orgs.agency, stix_id=stix_id, version=later(minutes), is_latest=minutes == 10)
    url = f"{objects_url(scenario.green)}{stix_id}/?match[version]=last"
    assert taxii_client(p.coord_member).delete(url).status_code == 200
    remaining = StixObject.objects.get(stix_id=stix_id)
    assert remaining.version == later(0)
    assert remaining.is_latest


def test_status_counts_are_stored(scenario: Scenario) -> None:
    post(taxii_client(scenario.personas.coord_member), scenario.green, [indicator(), indicator()])
    status = TaxiiStatus.objects.get()
    assert (status.total_count, status.success_count) == (2, 2)
