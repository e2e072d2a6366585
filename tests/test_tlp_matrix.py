"""TLP 2.0 and distribution across every role and every way out of Siaga.

One hospital shares an indicator with each valid (TLP, distribution) pair. The table below says,
written out by hand from the TLP 2.0 definitions and our distribution rules, which personas may see
each one; every channel (the permission layer itself, the web list, the API, STIX exports, TAXII
collections, MISP feeds) must agree with it. The CERT is not above the rule: a hospital's
"own organization only" object is the hospital's alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from siaga.core.observables import value_key
from siaga.core.testing import Personas, api_client_for, login, make_token
from siaga.integrations.misp.feed import build_feed
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember
from siaga.sharing.visibility import PUBLIC, audience_for_organization
from siaga.stix.publish import publish_indicators
from siaga.taxii.models import Collection

pytestmark = pytest.mark.django_db

HOSPITAL = frozenset({"constituent_admin", "constituent_reporter"})
PROVINCE = HOSPITAL | {"other_reporter"}  # the sharing group: the two hospitals
IN_AN_ORGANIZATION = frozenset(
    {
        "cert_admin",
        "cert_lead",
        "cert_analyst",
        "coord_member",
        "constituent_admin",
        "constituent_reporter",
        "other_reporter",
        "auditor",
    }
)
PERSONAS = sorted(IN_AN_ORGANIZATION | {"outsider"})


@dataclass(frozen=True)
class Case:
    tlp: str
    distribution: str
    seen_by: frozenset[str]
    public: bool = False  # in the public (anonymous) feeds

    @property
    def value(self) -> str:
        # One address per case, so a page or a feed shows which cases it let through.
        index = CASES.index(self) + 1
        return f"198.51.100.{index}"


CASES: list[Case] = [
    Case(TLP.CLEAR, Distribution.ORGANIZATION, HOSPITAL),
    Case(TLP.CLEAR, Distribution.SHARING_GROUP, PROVINCE),
    Case(TLP.CLEAR, Distribution.CONSTITUENTS, IN_AN_ORGANIZATION),
    Case(TLP.CLEAR, Distribution.PUBLIC, IN_AN_ORGANIZATION, public=True),
    Case(TLP.GREEN, Distribution.ORGANIZATION, HOSPITAL),
    Case(TLP.GREEN, Distribution.SHARING_GROUP, PROVINCE),
    Case(TLP.GREEN, Distribution.CONSTITUENTS, IN_AN_ORGANIZATION),
    Case(TLP.AMBER, Distribution.ORGANIZATION, HOSPITAL),
    Case(TLP.AMBER, Distribution.SHARING_GROUP, PROVINCE),
    Case(TLP.AMBER_STRICT, Distribution.ORGANIZATION, HOSPITAL),
    Case(TLP.AMBER_STRICT, Distribution.SHARING_GROUP, PROVINCE),
    # Only the person who wrote it and the one named recipient (the agency's member).
    Case(TLP.RED, Distribution.ORGANIZATION, frozenset({"constituent_admin", "coord_member"})),
]


@dataclass
class Shared:
    personas: Personas
    group: SharingGroup
    indicators: dict[Case, Indicator]

    def expected(self, persona: str) -> set[str]:
        return {case.value for case in CASES if persona in case.seen_by}


@pytest.fixture
def shared(personas: Personas) -> Shared:
    orgs = personas.orgs
    group = SharingGroup.objects.create(name="Province hospitals", owner=orgs.cert)
    for member in (orgs.hospital, orgs.other_hospital):
        SharingGroupMember.objects.create(sharing_group=group, organization=member)
    indicators = {}
    for case in CASES:
        indicator = Indicator.objects.create(
            type="ip",
            value=case.value,
            value_key=value_key("ip", case.value),
            tlp=case.tlp,
            distribution=case.distribution,
            sharing_group=group if case.distribution == Distribution.SHARING_GROUP else None,
            organization=orgs.hospital,
            created_by=personas.constituent_admin,
        )
        if case.tlp == TLP.RED:
            indicator.recipients.add(personas.coord_member)
        indicators[case] = indicator
    return Shared(personas, group, indicators)


def values_seen(queryset: Any) -> set[str]:
    return set(queryset.values_list("value", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_layer_follows_the_table(shared: Shared, persona: str) -> None:
    user = shared.personas.by_name(persona)
    assert values_seen(Indicator.objects.restrict(user, "view")) == shared.expected(persona)


# --- Every way out of Siaga ------------------------------------------------------------------------

VALUE = re.compile(r"198\.51\.100\.\d+")
EXPORTERS = frozenset(
    {"cert_admin", "cert_lead", "cert_analyst", "coord_member", "constituent_admin"}
)


def values_in(text: str) -> set[str]:
    known = {case.value for case in CASES}
    return {value for value in VALUE.findall(text) if value in known}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_web_pages_follow_the_table(shared: Shared, persona: str) -> None:
    client = login(Client(), shared.personas.by_name(persona))
    listing = client.get(reverse("intel:indicator-list"))
    seen = values_in(listing.content.decode()) if listing.status_code == 200 else set()
    assert seen == shared.expected(persona)
    for case, indicator in shared.indicators.items():
        detail = client.get(reverse("intel:indicator-detail", args=[indicator.pk]))
        visible = persona in case.seen_by
        assert detail.status_code == (200 if visible else 404), (case, detail.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_follows_the_table(shared: Shared, persona: str) -> None:
    client = api_client_for(shared.personas.by_name(persona))
    listing = client.get("/api/v1/indicators", {"limit": 100})
    seen = (
        {item["value"] for item in listing.json()["results"]}
        if listing.status_code == 200
        else set()
    )
    assert seen == shared.expected(persona)
    for case, indicator in shared.indicators.items():
        detail = client.get(f"/api/v1/indicators/{indicator.pk}")
        assert detail.status_code == (200 if persona in case.seen_by else 404)


@pytest.mark.parametrize("persona", sorted(EXPORTERS))
def test_stix_exports_follow_the_table(shared: Shared, persona: str) -> None:
    client = api_client_for(shared.personas.by_name(persona))
    response = client.get("/api/v1/stix/export/indicators")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    bundle = json.loads(body)
    patterns = " ".join(obj.get("pattern", "") for obj in bundle["objects"])
    assert values_in(patterns) == shared.expected(persona)


def taxii_get(client: Client, token: str, path: str) -> Any:
    return client.get(
        path,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT="application/taxii+json;version=2.1",
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_taxii_collections_follow_the_table(shared: Shared, persona: str) -> None:
    """Every cell of the table is a collection; a persona pages through every collection it is
    offered and gets exactly its cases. TLP:RED is for named people, not for a collection's
    organization: through TAXII it reaches only its creator, who is in the source organization."""
    publish_indicators(Indicator.objects.all())
    hospital = shared.personas.orgs.hospital
    for case in CASES:
        Collection.objects.create(
            title=f"{case.tlp} {case.distribution}",
            tlp=case.tlp,
            distribution=case.distribution,
            sharing_group=shared.group if case.distribution == Distribution.SHARING_GROUP else None,
            organization=hospital if case.distribution == Distribution.ORGANIZATION else None,
        )
    token = make_token(shared.personas.by_name(persona), "read")
    client = Client()
    listing = taxii_get(client, token, "/taxii2/siaga/collections/")
    seen: set[str] = set()
    if listing.status_code == 200:
        for collection in listing.json().get("collections", []):
            objects = taxii_get(
                client, token, f"/taxii2/siaga/collections/{collection['id']}/objects/?limit=100"
            )
            assert objects.status_code == 200
            patterns = " ".join(o.get("pattern", "") for o in objects.json().get("objects", []))
            seen |= values_in(patterns)
    red = {case.value for case in CASES if case.tlp == TLP.RED}
    expected = shared.expected(persona) - red
    if persona == "constituent_admin":
        expected |= red  # the creator, and a member of the collection's organization
    assert seen == expected


ORGANIZATION_MEMBERS = {
    "cert": {"cert_admin", "cert_lead", "cert_analyst", "auditor"},
    "agency": {"coord_member"},
    "hospital": {"constituent_admin", "constituent_reporter"},
    "other_hospital": {"other_reporter"},
}


@pytest.mark.parametrize("organization", sorted(ORGANIZATION_MEMBERS))
def test_misp_feeds_follow_the_table(shared: Shared, organization: str) -> None:
    """A feed made for an organization carries what its members may see, never TLP:RED."""
    audience = audience_for_organization(getattr(shared.personas.orgs, organization))
    feed = b"".join(content for name, content in build_feed(audience) if name.endswith(".json"))
    members = ORGANIZATION_MEMBERS[organization]
    expected = {case.value for case in CASES if case.seen_by & members and case.tlp != TLP.RED}
    assert values_in(feed.decode()) == expected


def test_the_public_misp_feed_carries_only_public_clear(shared: Shared) -> None:
    feed = b"".join(content for _name, content in build_feed(PUBLIC))
    assert values_in(feed.decode()) == {case.value for case in CASES if case.public}
