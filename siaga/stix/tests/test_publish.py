"""Publishing own indicators and sightings into the STIX store: labels copied, versions written
only on change, ``is_latest`` kept right, TLP:RED recipients carried, revocation."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from siaga.intel.choices import SourceKind
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.sharing.models import SharingGroup
from siaga.stix import publish
from siaga.stix.models import StixObject
from siaga.stix.tests.test_export_objects import make_indicator, make_sighting, validation_problems

pytestmark = pytest.mark.django_db


def versions(stix_id: str) -> list[StixObject]:
    return list(StixObject.objects.filter(stix_id=stix_id).order_by("version"))


def test_publish_copies_the_sharing_labels(personas: Any) -> None:
    orgs = personas.orgs
    group = SharingGroup.objects.create(name="Coordination group", owner=orgs.cert)
    indicator = make_indicator(
        orgs.agency,
        "domain",
        "c2.evil.example",
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=group,
        created_by=personas.coord_member,
    )
    assert publish.publish_indicators([indicator]) == 1
    (stored,) = versions(indicator.stix_id)
    assert (stored.tlp, stored.distribution, stored.sharing_group_id) == (
        TLP.AMBER,
        Distribution.SHARING_GROUP,
        group.pk,
    )
    assert stored.organization_id == orgs.agency.pk
    assert stored.created_by_id == personas.coord_member.pk
    assert stored.type == "indicator" and stored.is_latest and not stored.revoked
    assert stored.source == "siaga"
    obj = json.loads(stored.raw)
    assert obj["id"] == indicator.stix_id
    assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.AMBER]]
    assert stored.version == indicator.updated_at
    assert (
        validation_problems(
            {
                "type": "bundle",
                "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                "objects": [obj],
            }
        )
        == []
    )


def test_republishing_unchanged_writes_nothing(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7")
    assert publish.publish_indicators(Indicator.objects.all()) == 1
    assert publish.publish_indicators(Indicator.objects.all()) == 0
    assert len(versions(indicator.stix_id)) == 1


def test_a_change_writes_a_new_version_and_flips_is_latest(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7", confidence=40)
    publish.publish_indicators([indicator.pk])
    indicator.confidence = 90
    indicator.save()
    assert publish.publish_indicators([indicator.pk]) == 1
    first, second = versions(indicator.stix_id)
    assert not first.is_latest and second.is_latest
    assert second.version > first.version
    assert json.loads(second.raw)["confidence"] == 90
    assert json.loads(second.raw)["modified"] > json.loads(first.raw)["modified"]
    assert json.loads(second.raw)["created"] == json.loads(first.raw)["created"]


def test_a_label_change_alone_writes_a_new_version(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7", tlp=TLP.GREEN)
    publish.publish_indicators([indicator])
    # Narrowed without updated_at moving (a bulk update): still a new, later version.
    Indicator.objects.filter(pk=indicator.pk).update(
        tlp=TLP.AMBER, distribution=Distribution.ORGANIZATION
    )
    assert publish.publish_indicators([indicator.pk]) == 1
    first, second = versions(indicator.stix_id)
    assert second.version == first.version + timedelta(milliseconds=1)
    assert (second.tlp, second.distribution) == (TLP.AMBER, Distribution.ORGANIZATION)
    assert second.is_latest and not first.is_latest


def test_red_recipients_are_carried(personas: Any) -> None:
    indicator = make_indicator(
        personas.orgs.agency,
        "ip",
        "192.0.2.66",
        tlp=TLP.RED,
        distribution=Distribution.ORGANIZATION,
        created_by=personas.coord_member,
    )
    indicator.recipients.add(personas.constituent_admin, personas.cert_lead)
    publish.publish_indicators([indicator])
    (stored,) = versions(indicator.stix_id)
    assert set(stored.recipients.values_list("pk", flat=True)) == {
        personas.constituent_admin.pk,
        personas.cert_lead.pk,
    }
    # The store then follows the same rule: recipients see it, others do not.
    visible = StixObject.objects.restrict(personas.constituent_admin, "view")
    assert visible.filter(pk=stored.pk).exists()
    assert (
        not StixObject.objects.restrict(personas.cert_analyst, "view").filter(pk=stored.pk).exists()
    )
    # A recipient added later is a change of labels: a new version carrying them.
    indicator.recipients.add(personas.cert_analyst)
    assert publish.publish_indicators([indicator]) == 1
    latest = StixObject.objects.get(stix_id=indicator.stix_id, is_latest=True)
    assert latest.recipients.count() == 3


def test_indicators_from_stix_and_taxii_are_not_published_again(personas: Any) -> None:
    imported = make_indicator(
        personas.orgs.hospital, "ip", "192.0.2.8", source_kind=SourceKind.STIX
    )
    polled = make_indicator(personas.orgs.hospital, "ip", "192.0.2.9", source_kind=SourceKind.TAXII)
    assert publish.publish_indicators([imported, polled]) == 0


def test_indicator_without_stix_form_is_skipped(personas: Any) -> None:
    other = make_indicator(personas.orgs.hospital, "other", "a registry key")
    cve = make_indicator(personas.orgs.hospital, "cve", "CVE-2024-3400")
    assert publish.publish_indicators([other, cve]) == 0


def test_unpublish_writes_a_revoked_version(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7", tlp=TLP.RED)
    indicator.recipients.add(personas.cert_lead)
    publish.publish_indicators([indicator])
    assert publish.unpublish_indicator(indicator) is True
    first, revoked = versions(indicator.stix_id)
    assert revoked.revoked and revoked.is_latest and not first.is_latest
    assert json.loads(revoked.raw)["revoked"] is True
    assert revoked.tlp == TLP.RED
    assert list(revoked.recipients.values_list("pk", flat=True)) == [personas.cert_lead.pk]
    # Revoked is final: no second revocation, and no un-revoking by publishing again.
    assert publish.unpublish_indicator(indicator.stix_id) is False
    indicator.confidence = 99
    indicator.save()
    assert publish.publish_indicators([indicator]) == 0
    assert len(versions(indicator.stix_id)) == 2


def test_unpublish_of_something_never_published(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7")
    assert publish.unpublish_indicator(indicator) is False
    assert not StixObject.objects.exists()


def test_unpublish_leaves_imported_objects_alone(personas: Any) -> None:
    StixObject.objects.create(
        stix_id="indicator--0c1d0e6e-2a9d-4e55-8e0c-2f7f6a0c3a8b",
        type="indicator",
        version=timezone.now(),
        raw="{}",
        source="import",
        organization=personas.orgs.hospital,
    )
    assert publish.revoke(["indicator--0c1d0e6e-2a9d-4e55-8e0c-2f7f6a0c3a8b"]) == 0


def test_publish_sightings(personas: Any) -> None:
    orgs = personas.orgs
    indicator = make_indicator(orgs.agency, "ip", "192.0.2.44")
    sighting = make_sighting(
        indicator, orgs.hospital, tlp=TLP.AMBER_STRICT, distribution=Distribution.ORGANIZATION
    )
    assert publish.publish_sightings(indicator.sightings.all()) == 1
    (stored,) = versions(sighting.stix_id)
    assert stored.type == "sighting"
    assert stored.tlp == TLP.AMBER_STRICT and stored.organization_id == orgs.hospital.pk
    assert json.loads(stored.raw)["sighting_of_ref"] == indicator.stix_id
    sighting.count = 5
    sighting.save()
    assert publish.publish_sightings([sighting.pk]) == 1
    assert publish.unpublish_sighting(sighting) is True


def test_many_indicators_in_chunks(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "PUBLISH_CHUNK", 7)
    for n in range(20):
        make_indicator(personas.orgs.hospital, "ip", f"198.51.100.{n}")
    assert publish.publish_indicators(Indicator.objects.all()) == 20
    assert StixObject.objects.filter(is_latest=True).count() == 20


def test_hook_publishes_after_commit(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish.publish_indicators_on_commit([indicator.pk])
        assert not StixObject.objects.exists()
    assert StixObject.objects.filter(stix_id=indicator.stix_id).exists()


def test_command_publishes_everything(personas: Any) -> None:
    indicator = make_indicator(personas.orgs.hospital, "ip", "192.0.2.7")
    make_sighting(indicator, personas.orgs.hospital)
    out = StringIO()
    call_command("publish_stix", stdout=out)
    assert "1 indicator version(s), 1 sighting version(s) written." in out.getvalue()
    out = StringIO()
    call_command("publish_stix", stdout=out)
    assert "0 indicator version(s), 0 sighting version(s) written." in out.getvalue()
