"""The demo sharing groups: the coordination group and one group per province's hospitals."""

from __future__ import annotations

import pytest

from siaga.constituents.choices import Province
from siaga.constituents.models import ConstituentProfile
from siaga.core.testing import Personas
from siaga.sharing.demo import COORDINATION_GROUP, seed_sharing_groups
from siaga.sharing.models import SharingGroup

pytestmark = pytest.mark.django_db


def test_seeding_twice_makes_the_groups_once(personas: Personas) -> None:
    orgs = personas.orgs
    ConstituentProfile.objects.create(organization=orgs.hospital, province=Province.DKI_JAKARTA)
    ConstituentProfile.objects.create(organization=orgs.other_hospital, province=Province.BALI)
    first = seed_sharing_groups()
    second = seed_sharing_groups()
    assert [g.pk for g in first] == [g.pk for g in second]
    assert SharingGroup.objects.count() == 3
    coordination = SharingGroup.objects.get(name=COORDINATION_GROUP)
    assert set(coordination.members.all()) == {orgs.cert, orgs.agency}
    jakarta = SharingGroup.objects.get(name__endswith="DKI Jakarta")
    assert set(jakarta.members.all()) == {orgs.cert, orgs.hospital}
    assert jakarta.owner == orgs.cert


def test_nothing_without_a_cert(db: object) -> None:
    assert seed_sharing_groups() == []
