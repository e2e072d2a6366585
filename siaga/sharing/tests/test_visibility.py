"""The sharing rule: who sees an object with each TLP and distribution (siaga.sharing.visibility)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from siaga.accounts.roles import forget_principal
from siaga.core.testing import Personas
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember, validate_sharing
from siaga.sharing.visibility import (
    PUBLIC,
    audience_for_organization,
    audience_for_user,
    can_see,
    visible_q,
)
from siaga.stix.models import StixObject

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture
def hospitals_group(personas: Personas) -> SharingGroup:
    group = SharingGroup.objects.create(name="Hospitals of one province", owner=personas.orgs.cert)
    SharingGroupMember.objects.create(sharing_group=group, organization=personas.orgs.hospital)
    SharingGroupMember.objects.create(sharing_group=group, organization=personas.orgs.cert)
    return group


def shared(personas: Personas, n: int, **labels: Any) -> StixObject:
    labels.setdefault("organization", personas.orgs.cert)
    labels.setdefault("created_by", personas.cert_analyst)
    return StixObject.objects.create(
        stix_id=f"indicator--00000000-0000-4000-8000-{n:012d}",
        type="indicator",
        version=NOW,
        raw="{}",
        **labels,
    )


def seen_by(user: Any) -> set[int]:
    ids = set(StixObject.objects.restrict(user, "view").values_list("pk", flat=True))
    audience = audience_for_user(user)
    # The in-memory rule agrees with the query.
    assert ids == {obj.pk for obj in StixObject.objects.all() if can_see(audience, obj)}
    return ids


def test_each_distribution_reaches_exactly_its_audience(
    personas: Personas, hospitals_group: SharingGroup
) -> None:
    own = shared(personas, 1, tlp=TLP.AMBER, distribution=Distribution.ORGANIZATION)
    group = shared(
        personas,
        2,
        tlp=TLP.AMBER_STRICT,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=hospitals_group,
    )
    community = shared(personas, 3, tlp=TLP.GREEN, distribution=Distribution.CONSTITUENTS)
    public = shared(personas, 4, tlp=TLP.CLEAR, distribution=Distribution.PUBLIC)

    assert seen_by(personas.cert_lead) == {own.pk, group.pk, community.pk, public.pk}
    assert seen_by(personas.constituent_reporter) == {group.pk, community.pk, public.pk}
    assert seen_by(personas.other_reporter) == {community.pk, public.pk}
    assert seen_by(personas.coord_member) == {community.pk, public.pk}
    # Someone who belongs to no organization gets public objects from the public feeds only.
    assert not StixObject.objects.restrict(personas.outsider, "view").exists()
    public_ids = set(
        StixObject.objects.filter(visible_q(PUBLIC, StixObject)).values_list("pk", flat=True)
    )
    assert public_ids == {public.pk}


def test_tlp_red_reaches_only_its_creator_and_named_recipients(personas: Personas) -> None:
    red = shared(personas, 5, tlp=TLP.RED, distribution=Distribution.ORGANIZATION)
    red.recipients.add(personas.coord_member, personas.constituent_admin)

    assert red.pk in seen_by(personas.cert_analyst)
    assert red.pk in seen_by(personas.coord_member)
    assert red.pk in seen_by(personas.constituent_admin)
    # Not even the creator's colleagues, nor the CERT's administrator.
    assert red.pk not in seen_by(personas.cert_lead)
    assert red.pk not in seen_by(personas.cert_admin)
    assert red.pk not in seen_by(personas.constituent_reporter)
    # A feed made for an organization never carries TLP:RED.
    audience = audience_for_organization(personas.orgs.cert)
    assert not StixObject.objects.filter(visible_q(audience, StixObject)).exists()


def test_a_mislabelled_row_still_travels_no_further_than_its_tlp(personas: Personas) -> None:
    # Written around validation (as a buggy importer might): AMBER marked for the public.
    leaked = shared(personas, 6, tlp=TLP.AMBER, distribution=Distribution.PUBLIC)
    green_public = shared(personas, 7, tlp=TLP.GREEN, distribution=Distribution.PUBLIC)

    assert leaked.pk not in seen_by(personas.other_reporter)
    assert not StixObject.objects.filter(visible_q(PUBLIC, StixObject), pk=green_public.pk).exists()
    assert green_public.pk not in seen_by(personas.other_reporter)


def test_leaving_or_deactivating_a_group_ends_access(
    personas: Personas, hospitals_group: SharingGroup
) -> None:
    group = shared(
        personas,
        8,
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=hospitals_group,
    )
    assert group.pk in seen_by(personas.constituent_reporter)
    hospitals_group.is_active = False
    hospitals_group.save()
    forget_principal(personas.constituent_reporter)
    assert group.pk not in seen_by(personas.constituent_reporter)


@pytest.mark.parametrize(
    ("tlp", "distribution"),
    [
        (TLP.GREEN, Distribution.PUBLIC),
        (TLP.AMBER, Distribution.CONSTITUENTS),
        (TLP.AMBER_STRICT, Distribution.PUBLIC),
        (TLP.RED, Distribution.SHARING_GROUP),
    ],
)
def test_validation_refuses_a_distribution_wider_than_the_tlp(tlp: str, distribution: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_sharing(tlp, distribution, None)
    assert "distribution" in caught.value.message_dict


def test_validation_asks_for_the_group_of_a_group_distribution(
    hospitals_group: SharingGroup,
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_sharing(TLP.AMBER, Distribution.SHARING_GROUP, None)
    assert "sharing_group" in caught.value.message_dict
    with pytest.raises(ValidationError):
        validate_sharing(TLP.GREEN, Distribution.CONSTITUENTS, hospitals_group)
    validate_sharing(TLP.AMBER, Distribution.SHARING_GROUP, hospitals_group)
