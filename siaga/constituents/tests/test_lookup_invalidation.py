"""current_index(): one snapshot per process, rebuilt after the registry changes (checked each second)."""

import pytest
from django.core.cache import cache

from siaga.constituents import actions, lookup
from siaga.constituents.choices import AssetStatus
from siaga.constituents.tests.conftest import make_asset

pytestmark = pytest.mark.django_db


def owner_ids(value):
    return [o.organization_id for o in lookup.current_index().owners_of(value)]


def test_an_approval_is_seen_at_once_in_this_process(personas, django_capture_on_commit_callbacks):
    hospital = personas.orgs.hospital
    with django_capture_on_commit_callbacks(execute=True):
        asset = actions.check_add_asset(
            personas.constituent_admin, hospital, "ip_range", "192.0.2.0/24"
        )
    assert owner_ids("192.0.2.1") == []  # pending: not in the registry
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_review_asset(personas.cert_analyst, asset, "approve")
    assert owner_ids("192.0.2.1") == [hospital.pk]


def test_another_process_notices_within_a_second(personas, monkeypatch):
    hospital = personas.orgs.hospital
    now = [1000.0]
    monkeypatch.setattr(lookup.SNAPSHOT, "clock", lambda: now[0])
    assert owner_ids("AS64500") == []
    make_asset(hospital, "asn", "AS64500")
    # What another process's commit does: a new version in the shared cache, nothing local.
    cache.set(lookup.VERSION_KEY, "changed-elsewhere", timeout=None)
    now[0] += 0.5
    assert owner_ids("AS64500") == []  # within the second: the snapshot is trusted
    now[0] += 0.6
    assert owner_ids("AS64500") == [hospital.pk]


def test_the_snapshot_is_reused_while_nothing_changed(
    personas, monkeypatch, django_assert_num_queries
):
    make_asset(personas.orgs.hospital, "domain", "rsud.example")
    first = lookup.current_index()
    now = [lookup.SNAPSHOT.clock() + 5]
    monkeypatch.setattr(lookup.SNAPSHOT, "clock", lambda: now[0])
    with django_assert_num_queries(0):
        assert lookup.current_index() is first


def test_a_removal_and_a_deactivation_drop_the_owner(personas, django_capture_on_commit_callbacks):
    hospital, other = personas.orgs.hospital, personas.orgs.other_hospital
    with django_capture_on_commit_callbacks(execute=True):
        make_asset(hospital, "ip_range", "198.51.100.0/24")
        asset = make_asset(other, "domain", "other.example")
    assert owner_ids("198.51.100.7") == [hospital.pk]
    assert owner_ids("www.other.example") == [other.pk]
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_remove_asset(personas.cert_admin, asset)
    assert owner_ids("www.other.example") == []
    with django_capture_on_commit_callbacks(execute=True):
        hospital.is_active = False
        hospital.save()
    assert owner_ids("198.51.100.7") == []


def test_a_removal_request_keeps_the_asset_registered_until_approved(
    personas, django_capture_on_commit_callbacks
):
    hospital = personas.orgs.hospital
    with django_capture_on_commit_callbacks(execute=True):
        asset = make_asset(hospital, "asn", "AS64511")
        actions.check_remove_asset(personas.constituent_admin, asset)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.REMOVAL_PENDING
    assert owner_ids("AS64511") == [hospital.pk]
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_review_asset(personas.cert_lead, asset, "approve")
    assert owner_ids("AS64511") == []
