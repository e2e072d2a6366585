"""Reading a collection: what it holds, for whom, filtered, paged, and in which order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from siaga.sharing.choices import TLP, Distribution
from siaga.stix.models import StixObject
from siaga.taxii.protocol import TAXII_MEDIA_TYPE
from siaga.taxii.tests.helpers import (
    ROOT,
    Scenario,
    later,
    make_stix,
    objects_url,
    taxii_client,
)

pytestmark = pytest.mark.django_db


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [obj["id"] for obj in json.loads(response.content)["objects"]]


def test_envelope_is_valid_json_with_the_stored_objects(scenario: Scenario) -> None:
    stored = make_stix(scenario.personas.orgs.cert, date_added=later(1))
    response = taxii_client(scenario.personas.coord_member).get(objects_url(scenario.green))
    assert response["Content-Type"] == TAXII_MEDIA_TYPE
    body = json.loads(response.content)
    assert body == {"more": False, "objects": [json.loads(stored.raw)]}
    assert response["X-TAXII-Date-Added-First"] == "2026-11-01T08:01:00.000000Z"
    assert response["X-TAXII-Date-Added-Last"] == "2026-11-01T08:01:00.000000Z"


def test_empty_collection(scenario: Scenario) -> None:
    response = taxii_client(scenario.personas.coord_member).get(objects_url(scenario.green))
    assert json.loads(response.content) == {"more": False, "objects": []}
    assert "X-TAXII-Date-Added-First" not in response


def test_partner_sees_only_what_its_tlp_and_groups_allow(scenario: Scenario) -> None:
    orgs, p = scenario.personas.orgs, scenario.personas
    green = make_stix(orgs.cert)
    amber = make_stix(
        orgs.cert,
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=scenario.group,
    )
    other_amber = make_stix(
        orgs.cert,
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=scenario.other_group,
    )
    strict = make_stix(orgs.cert, tlp=TLP.AMBER_STRICT, distribution=Distribution.ORGANIZATION)
    red = make_stix(
        orgs.cert,
        tlp=TLP.RED,
        distribution=Distribution.ORGANIZATION,
        created_by=p.cert_analyst,
    )
    agency = taxii_client(p.coord_member)
    assert ids_of(agency.get(objects_url(scenario.green))) == [green.stix_id]
    assert ids_of(agency.get(objects_url(scenario.amber))) == [amber.stix_id]
    # Asked for by id, in the collection the agency can read: the other objects never show up.
    for hidden in (other_amber, strict, red):
        url = f"{objects_url(scenario.green)}?match[id]={hidden.stix_id}"
        assert ids_of(agency.get(url)) == []
    for collection in (scenario.other_amber, scenario.cert_strict, scenario.cert_red):
        assert agency.get(objects_url(collection)).status_code == 404
    # The CERT's analyst sees the strict object in the CERT's own collection; RED only its author.
    analyst = taxii_client(p.cert_analyst)
    assert ids_of(analyst.get(objects_url(scenario.cert_strict))) == [strict.stix_id]
    assert ids_of(analyst.get(objects_url(scenario.cert_red))) == [red.stix_id]
    lead = taxii_client(p.cert_lead)
    assert ids_of(lead.get(objects_url(scenario.cert_red))) == []
    red.recipients.add(p.cert_lead)
    assert ids_of(lead.get(objects_url(scenario.cert_red))) == [red.stix_id]


def test_versions_first_last_all_and_timestamp(scenario: Scenario) -> None:
    cert = scenario.personas.orgs.cert
    stix_id = "indicator--11111111-1111-4111-8111-111111111111"
    for minutes in (0, 10, 20):
        make_stix(
            cert,
            stix_id=stix_id,
            version=later(minutes),
            date_added=later(minutes + 1),
            is_latest=minutes == 20,
        )
    client = taxii_client(scenario.personas.coord_member)
    url = objects_url(scenario.green)

    def versions(query: str) -> list[str]:
        body = json.loads(client.get(f"{url}?{query}").content)
        return [obj["modified"] for obj in body["objects"]]

    assert versions("") == ["2026-11-01T08:20:00.000Z"]
    assert versions("match[version]=last") == ["2026-11-01T08:20:00.000Z"]
    assert versions("match[version]=first") == ["2026-11-01T08:00:00.000Z"]
    assert len(versions("match[version]=all")) == 3
    assert versions("match[version]=first,last") == [
        "2026-11-01T08:00:00.000Z",
        "2026-11-01T08:20:00.000Z",
    ]
    assert versions("match[version]=2026-11-01T08:10:00.000Z") == ["2026-11-01T08:10:00.000Z"]

    listed = client.get(f"{url}{stix_id}/versions/").json()
    assert listed == {
        "more": False,
        "versions": [
            "2026-11-01T08:00:00.000000Z",
            "2026-11-01T08:10:00.000000Z",
            "2026-11-01T08:20:00.000000Z",
        ],
    }
    one = json.loads(client.get(f"{url}{stix_id}/?match[version]=all").content)
    assert len(one["objects"]) == 3
    single = json.loads(client.get(f"{url}{stix_id}/").content)
    assert [obj["modified"] for obj in single["objects"]] == ["2026-11-01T08:20:00.000Z"]


def test_added_after_type_id_and_spec_version_filters(scenario: Scenario) -> None:
    cert = scenario.personas.orgs.cert
    first = make_stix(cert, date_added=later(1))
    second = make_stix(cert, date_added=later(2), type="malware")
    third = make_stix(cert, date_added=later(3))
    client = taxii_client(scenario.personas.coord_member)
    url = objects_url(scenario.green)
    after = quote("2026-11-01T08:01:00.000000Z")
    assert ids_of(client.get(f"{url}?added_after={after}")) == [second.stix_id, third.stix_id]
    assert ids_of(client.get(f"{url}?match[type]=malware")) == [second.stix_id]
    assert ids_of(client.get(f"{url}?match[type]=malware,indicator")) == [
        first.stix_id,
        second.stix_id,
        third.stix_id,
    ]
    both = f"{first.stix_id},{third.stix_id}"
    assert ids_of(client.get(f"{url}?match[id]={both}")) == [first.stix_id, third.stix_id]
    assert ids_of(client.get(f"{url}?match[spec_version]=2.0")) == []
    assert len(ids_of(client.get(f"{url}?match[spec_version]=2.1"))) == 3


def test_manifest_records(scenario: Scenario) -> None:
    stored = make_stix(scenario.personas.orgs.cert, date_added=later(5), version=later(3))
    client = taxii_client(scenario.personas.coord_member)
    response = client.get(f"{ROOT}collections/{scenario.green.uuid}/manifest/")
    assert response.json() == {
        "more": False,
        "objects": [
            {
                "id": stored.stix_id,
                "date_added": "2026-11-01T08:05:00.000000Z",
                "version": "2026-11-01T08:03:00.000000Z",
                "media_type": "application/stix+json;version=2.1",
            }
        ],
    }
    assert response["X-TAXII-Date-Added-Last"] == "2026-11-01T08:05:00.000000Z"


def page_through(client, url: str, limit: int, on_page=None) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    query = f"limit={limit}"
    while True:
        response = client.get(f"{url}?{query}")
        body = json.loads(response.content)
        pages += 1
        seen += [obj["id"] for obj in body["objects"]]
        if body["more"]:
            assert body["next"], "more without next: the OASIS client would loop forever"
        else:
            assert "next" not in body
            return seen, pages
        if on_page:
            on_page(pages)
        query = f"limit={limit}&next={body['next']}"


def bulk_objects(scenario: Scenario, count: int, start: datetime) -> list[str]:
    cert = scenario.personas.orgs.cert
    rows = []
    for index in range(count):
        stix_id = f"indicator--{index:08d}-0000-4000-8000-000000000000"
        # Every 7th pair shares a date_added: ties must be broken by pk, not lost.
        added = start + timedelta(microseconds=(index // 2) * 7)
        rows.append(
            StixObject(
                stix_id=stix_id,
                type="indicator",
                version=start,
                date_added=added,
                raw=json.dumps({"type": "indicator", "id": stix_id}),
                tlp=TLP.GREEN,
                distribution=Distribution.CONSTITUENTS,
                organization=cert,
            )
        )
    StixObject.objects.bulk_create(rows, batch_size=500)
    return [row.stix_id for row in rows]


def test_paging_2500_objects_in_three_pages_without_loss_or_repeat(
    scenario: Scenario, settings: object
) -> None:
    settings.SIAGA_TAXII_MAX_PAGE_SIZE = 1000  # type: ignore[attr-defined]
    expected = bulk_objects(scenario, 2500, datetime(2026, 11, 2, tzinfo=UTC))
    client = taxii_client(scenario.personas.coord_member)
    seen, pages = page_through(client, objects_url(scenario.green), 1000)
    assert pages == 3
    assert seen == expected
    # The manifest pages the same way.
    manifest_url = f"{ROOT}collections/{scenario.green.uuid}/manifest/"
    seen, pages = page_through(client, manifest_url, 1000)
    assert (pages, seen) == (3, expected)


def test_a_limit_above_the_server_maximum_is_capped(scenario: Scenario, settings: object) -> None:
    settings.SIAGA_TAXII_MAX_PAGE_SIZE = 10  # type: ignore[attr-defined]
    bulk_objects(scenario, 25, datetime(2026, 11, 2, tzinfo=UTC))
    client = taxii_client(scenario.personas.coord_member)
    body = json.loads(client.get(f"{objects_url(scenario.green)}?limit=1000").content)
    assert len(body["objects"]) == 10
    assert body["more"] is True and body["next"]


def test_objects_added_while_paging_come_after(scenario: Scenario) -> None:
    expected = bulk_objects(scenario, 250, datetime(2026, 11, 2, tzinfo=UTC))
    client = taxii_client(scenario.personas.coord_member)
    added_during: list[str] = []

    def insert(page: int) -> None:
        # A partner keeps adding while another pages: the new rows get later date_added.
        added_during.append(make_stix(scenario.personas.orgs.cert).stix_id)

    seen, pages = page_through(client, objects_url(scenario.green), 100, on_page=insert)
    assert pages == 3  # 100 + 100 + (50 + the 2 added after pages one and two)
    assert len(added_during) == 2
    assert seen == expected + added_during
    assert len(seen) == len(set(seen))


def test_next_works_with_the_same_filters(scenario: Scenario) -> None:
    cert = scenario.personas.orgs.cert
    for minutes in range(6):
        make_stix(cert, date_added=later(minutes), type="malware" if minutes % 2 else "indicator")
    client = taxii_client(scenario.personas.coord_member)
    url = f"{objects_url(scenario.green)}?match[type]=malware&limit=2"
    first = json.loads(client.get(url).content)
    assert first["more"] is True
    second = json.loads(client.get(f"{url}&next={first['next']}").content)
    assert second["more"] is False
    types = {obj["type"] for obj in first["objects"] + second["objects"]}
    assert types == {"malware"}
    assert len(first["objects"] + second["objects"]) == 3
