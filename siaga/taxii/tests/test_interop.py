"""Interoperability with the OASIS TAXII 2.1 client (``taxii2client.v21``) against the app running
in a live server: the issue's scenario of a partner agency pulling and posting."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from requests.exceptions import HTTPError
from taxii2client.v21 import ApiRoot, Collection, Server, Status, as_pages

from siaga.core.testing import make_token
from siaga.sharing.choices import TLP, Distribution
from siaga.taxii.tests.helpers import Scenario, make_stix
from siaga.taxii.tests.test_objects import bulk_objects

pytestmark = pytest.mark.django_db(transaction=True)


def bundle_objects(count: int) -> list[dict]:
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-11-30T01:00:00.000Z",
            "modified": "2026-11-30T01:00:00.000Z",
            "name": f"Phishing domain {index}",
            "pattern": f"[domain-name:value = 'evil{index}.example']",
            "pattern_type": "stix",
            "valid_from": "2026-11-30T01:00:00Z",
        }
        for index in range(count)
    ]


def test_partner_agency_pulls_green_posts_back_and_sees_only_what_it_may(
    live_server, scenario: Scenario
) -> None:
    p, orgs = scenario.personas, scenario.personas.orgs
    green = make_stix(orgs.cert)
    amber_own_group = make_stix(
        orgs.cert,
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=scenario.group,
    )
    hidden = [
        make_stix(
            orgs.cert,
            tlp=TLP.AMBER,
            distribution=Distribution.SHARING_GROUP,
            sharing_group=scenario.other_group,
        ),
        make_stix(
            orgs.cert,
            tlp=TLP.RED,
            distribution=Distribution.ORGANIZATION,
            created_by=p.cert_analyst,
        ),
        make_stix(orgs.cert, tlp=TLP.AMBER_STRICT, distribution=Distribution.ORGANIZATION),
    ]
    token = make_token(p.coord_member)
    server = Server(f"{live_server.url}/taxii2/", user=p.coord_member.email, password=token)
    assert len(server.api_roots) == 1
    root: ApiRoot = server.default
    assert root.max_content_length > 0
    titles = {c.title: c for c in root.collections}
    assert set(titles) == {"Community", "Public", "Coordination (AMBER)"}

    community: Collection = titles["Community"]
    assert community.can_read and community.can_write
    pulled = [
        obj["id"]
        for page in as_pages(community.get_objects, per_request=50)
        for obj in page.get("objects", [])
    ]
    assert pulled == [green.stix_id]
    amber_ids = [
        obj["id"] for obj in titles["Coordination (AMBER)"].get_objects().get("objects", [])
    ]
    assert amber_ids == [amber_own_group.stix_id]

    # Posts a bundle back; the client polls the status until it is complete.
    posted = bundle_objects(3)
    status: Status = community.add_objects(json.dumps({"objects": posted}))
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (3, 3, 0)
    status.refresh()  # GET status/<id>/
    assert status.success_count == 3

    after = [
        obj["id"]
        for page in as_pages(community.get_objects, per_request=2)
        for obj in page.get("objects", [])
    ]
    assert after == [green.stix_id] + [obj["id"] for obj in posted]
    manifest = community.get_manifest()
    assert {record["id"] for record in manifest["objects"]} == set(after)

    # No path reaches the objects it may not see.
    every_id = set()
    for collection in root.collections:
        for page in as_pages(collection.get_objects, per_request=100, version="all"):
            every_id |= {obj["id"] for obj in page.get("objects", [])}
    assert not every_id & {obj.stix_id for obj in hidden}
    for obj in hidden:
        with pytest.raises(HTTPError, match="404"):
            community.get_object(obj.stix_id)


def test_client_pages_a_large_collection_with_next(live_server, scenario: Scenario) -> None:
    expected = bulk_objects(scenario, 2500, datetime(2026, 11, 2, tzinfo=UTC))
    p = scenario.personas
    token = make_token(p.coord_member, "read")
    url = f"{live_server.url}/taxii2/siaga/collections/{scenario.green.uuid}/"
    collection = Collection(url, user=p.coord_member.email, password=token)
    pages = list(as_pages(collection.get_objects, per_request=1000))
    assert [len(page["objects"]) for page in pages] == [1000, 1000, 500]
    assert [obj["id"] for page in pages for obj in page["objects"]] == expected


def test_client_sees_bad_credentials_as_an_error(live_server, scenario: Scenario) -> None:
    server = Server(
        f"{live_server.url}/taxii2/", user=scenario.personas.coord_member.email, password="nope"
    )
    with pytest.raises(HTTPError, match="401"):
        _ = server.title
