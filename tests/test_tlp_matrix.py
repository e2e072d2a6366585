"""TLP 2.0 and distribution across every role and every way out of Siaga.

One hospital shares an indicator with each valid (TLP, distribution) pair. The table below says,
written out by hand from the TLP 2.0 definitions and our distribution rules, which personas may see
each one; every channel (the permission layer itself, the web list, the API, STIX exports, TAXII
collections, MISP feeds) must agree with it. The CERT is not above the rule: a hospital's
"own organization only" object is the hospital's alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from siaga.core.observables import value_key
from siaga.core.testing import Personas
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember

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
