"""Pulling from and pushing to a partner's TAXII 2.1 server (the OASIS reference server)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import orjson
import pytest
from django.core.management import CommandError, call_command

from siaga.core.testing import Personas
from siaga.integrations.taxiiclient.actions import pull, push, sync
from siaga.integrations.taxiiclient.choices import AuthKind
from siaga.integrations.taxiiclient.forms import RemoteCollectionForm
from siaga.integrations.taxiiclient.models import RemoteCollection
from siaga.integrations.taxiiclient.tests.partner import (
    COLLECTION_ID,
    PASSWORD,
    USER,
    PartnerServer,
)
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.stix.models import StixObject
from siaga.taxii.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)

GREEN = TLP2_MARKING_IDS[TLP.GREEN]


def indicator(n: int, *, marking: str = GREEN) -> dict[str, Any]:
    stamp = f"2026-11-{n:02d}T08:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=n, version=4)}",
        "created": stamp,
        "modified": stamp,
        "name": f"C2 server {n}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n}']",
        "pattern_type": "stix",
        "valid_from": stamp,
        "object_marking_refs": [marking],
    }


@pytest.fixture
def remote(personas: Personas, partner: PartnerServer) -> RemoteCollection:
    made = RemoteCollection(
        name="Partner CERT",
        api_root_url=partner.api_root_url,
        collection_id=COLLECTION_ID,
        auth_kind=AuthKind.BASIC,
        username=USER,
        source_organization=personas.orgs.agency,
        tlp=TLP.GREEN,
        distribution=Distribution.CONSTITUENTS,
        page_size=2,
    )
    made.set_secret(PASSWORD)
    made.save()
    return made


def test_a_pull_imports_every_page_and_the_next_pull_only_what_is_new(
    remote: RemoteCollection, partner: PartnerServer
) -> None:
    partner.add([indicator(n) for n in range(1, 6)])

    first = pull(remote)
    assert (first.pulled, first.added, first.failed) == (5, 5, 0)
    stored = StixObject.objects.filter(type="indicator")
    assert stored.count() == 5
    assert {row.organization_id for row in stored} == {remote.source_organization_id}
    assert {(row.tlp, row.distribution) for row in stored} == {
        (TLP.GREEN, Distribution.CONSTITUENTS)
    }
    remote.refresh_from_db()
    assert remote.added_after, "the pull remembers the server's X-TAXII-Date-Added-Last"

    assert pull(remote).pulled == 0
    partner.add([indicator(6)])
    again = pull(remote)
    assert (again.pulled, again.added) == (1, 1)
    assert StixObject.objects.filter(type="indicator").count() == 6


def test_an_object_marked_more_strictly_keeps_its_own_marking(
    remote: RemoteCollection, partner: PartnerServer
) -> None:
    partner.add([indicator(7, marking=TLP2_MARKING_IDS[TLP.AMBER])])
    pull(remote)
    row = StixObject.objects.get(type="indicator")
    assert row.tlp == TLP.AMBER
    # TLP:AMBER cannot go to every constituent: it stays with the source organization.
    assert row.distribution == Distribution.ORGANIZATION


def local_object(personas: Personas, n: int, tlp: str, distribution: str) -> StixObject:
    body = indicator(n, marking=TLP2_MARKING_IDS[tlp])
    return StixObject.objects.create(
        stix_id=body["id"],
        type="indicator",
        version=datetime(2026, 11, n, 8, tzinfo=UTC),
        raw=orjson.dumps(body).decode(),
        tlp=tlp,
        distribution=distribution,
        organization=personas.orgs.cert,
    )


def test_a_push_sends_the_collection_once_and_then_only_what_is_new(
    personas: Personas, remote: RemoteCollection, partner: PartnerServer
) -> None:
    community = Collection.objects.create(
        title="Community", distribution=Distribution.CONSTITUENTS, tlp=TLP.GREEN
    )
    for n in (11, 12, 13):
        local_object(personas, n, TLP.GREEN, Distribution.CONSTITUENTS)
    local_object(personas, 14, TLP.AMBER, Distribution.ORGANIZATION)  # another cell: stays
    remote.push_enabled, remote.push_from = True, community
    remote.save()

    first = push(remote)
    assert first.pushed == 3
    sent = {obj["id"] for obj in partner.collection_objects()}
    assert sent == {indicator(n)["id"] for n in (11, 12, 13)}

    assert push(remote).pushed == 0
    local_object(personas, 15, TLP.GREEN, Distribution.CONSTITUENTS)
    assert push(remote).pushed == 1
    assert len(partner.collection_objects()) == 4


def test_amber_strict_and_red_collections_are_never_pushed(
    personas: Personas, remote: RemoteCollection
) -> None:
    strict = Collection.objects.create(
        title="Strict",
        distribution=Distribution.ORGANIZATION,
        organization=personas.orgs.cert,
        tlp=TLP.AMBER_STRICT,
    )
    form = RemoteCollectionForm(
        data={
            "name": "Partner CERT",
            "api_root_url": remote.api_root_url,
            "collection_id": COLLECTION_ID,
            "auth_kind": AuthKind.BASIC,
            "username": USER,
            "page_size": 100,
            "pull_every_minutes": 60,
            "source_organization": personas.orgs.agency.pk,
            "tlp": TLP.GREEN,
            "distribution": Distribution.CONSTITUENTS,
            "push_enabled": "on",
            "push_from": strict.pk,
        },
        instance=remote,
    )
    assert not form.is_valid()
    assert "push_from" in form.errors
    # Even a row written around the form pushes nothing.
    local_object(personas, 16, TLP.AMBER_STRICT, Distribution.ORGANIZATION)
    remote.push_enabled, remote.push_from = True, strict
    assert push(remote).pushed == 0


def test_a_partner_that_cannot_be_reached_is_recorded_on_the_remote(
    remote: RemoteCollection,
) -> None:
    remote.api_root_url = "http://127.0.0.1:9/api/"  # the discard port: nothing listens
    remote.save()
    with pytest.raises(Exception):  # noqa: B017,PT011 — whatever requests raises
        sync(remote)
    remote.refresh_from_db()
    assert remote.last_error


def test_wrong_credentials_fail_loudly(remote: RemoteCollection) -> None:
    remote.set_secret("wrong")
    remote.save()
    with pytest.raises(Exception, match="401"):
        pull(remote)


def test_the_command_syncs_by_name_and_names_unknown_remotes(
    remote: RemoteCollection, partner: PartnerServer
) -> None:
    partner.add([indicator(21), indicator(22)])
    out = StringIO()
    call_command("taxii_sync", "Partner CERT", stdout=out)
    assert "pulled 2 (new 2" in out.getvalue()
    with pytest.raises(CommandError, match="Nobody"):
        call_command("taxii_sync", "Nobody", stdout=StringIO())
