"""Building digests: tickets, due logic, filters, suppression and 'nothing new, no digest'."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from siaga.digests.actions import (
    allocate_ticket,
    build_digest,
    due_subscriptions,
    format_ticket,
)
from siaga.digests.choices import Frequency
from siaga.digests.models import Digest, DigestItem
from siaga.digests.tests.conftest import NOW, make_contact, make_event, make_subscription

pytestmark = pytest.mark.django_db


def test_tickets_are_gapless_per_year_and_a_rollback_gives_its_number_back(settings):
    settings.SIAGA_TRACKING_PREFIX = "SIAGA"
    with transaction.atomic():
        first = allocate_ticket(NOW)
        second = allocate_ticket(NOW)
    assert (first, second) == ("SIAGA-FD-2026-000001", "SIAGA-FD-2026-000002")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert allocate_ticket(NOW) == "SIAGA-FD-2026-000003"
        raise RuntimeError("roll back")
    with transaction.atomic():
        assert allocate_ticket(NOW) == "SIAGA-FD-2026-000003"
        # A new year (in Jakarta time) starts again at 1.
        assert allocate_ticket(NOW.replace(year=2027)) == format_ticket(2027, 1)


def test_daily_and_weekly_subscriptions_fall_due_after_their_period(orgs):
    contact = make_contact(orgs.hospital)
    daily = make_subscription(orgs.hospital, contact, last_checked_at=NOW - timedelta(hours=23))
    weekly = make_subscription(
        orgs.other_hospital,
        None,
        frequency=Frequency.WEEKLY,
        last_checked_at=NOW - timedelta(days=6),
    )
    never = make_subscription(orgs.other_hospital, None, frequency=Frequency.WEEKLY)
    off = make_subscription(orgs.hospital, None, frequency=Frequency.OFF)
    assert set(due_subscriptions(NOW)) == {never}
    later = NOW + timedelta(days=1)
    assert set(due_subscriptions(later)) == {daily, weekly, never}
    assert off not in due_subscriptions(NOW + timedelta(days=30))


def test_a_daily_digest_is_not_pushed_back_a_beat_each_day(orgs):
    # Checked at 06:00 yesterday; the beat runs at 05:55 today: within the tolerance, due.
    subscription = make_subscription(orgs.hospital, None, last_checked_at=NOW - timedelta(days=1))
    assert subscription in due_subscriptions(NOW - timedelta(minutes=5))
    assert subscription not in due_subscriptions(NOW - timedelta(minutes=30))


def test_inactive_contacts_and_organizations_are_not_due(orgs):
    contact = make_contact(orgs.hospital, is_active=False)
    make_subscription(orgs.hospital, contact)
    orgs.other_hospital.is_active = False
    orgs.other_hospital.save()
    make_subscription(orgs.other_hospital, None)
    assert not due_subscriptions(NOW).exists()


def test_a_digest_holds_the_period_events_counted_per_classification(orgs, settings):
    settings.SIAGA_TRACKING_PREFIX = "SIAGA"
    subscription = make_subscription(orgs.hospital, make_contact(orgs.hospital))
    rdp = [make_event(orgs.hospital, NOW - timedelta(hours=h), count=2) for h in (1, 2, 3)]
    dns = make_event(
        orgs.hospital,
        NOW - timedelta(hours=4),
        classification_type="ddos-amplifier",
        classification_identifier="openresolver",
        severity=3,
    )
    make_event(orgs.hospital, NOW - timedelta(days=2))  # before the period
    make_event(orgs.hospital, NOW + timedelta(minutes=1))  # after it
    make_event(orgs.other_hospital, NOW - timedelta(hours=1))  # someone else's
    digest = build_digest(subscription, NOW)
    assert digest is not None
    assert digest.ticket == "SIAGA-FD-2026-000001"
    assert (digest.period_start, digest.period_end) == (NOW - timedelta(days=1), NOW)
    assert digest.event_count == 4
    assert digest.summary == [
        {
            "taxonomy": "vulnerable",
            "type": "potentially-unwanted-accessible",
            "identifier": "accessible-rdp",
            "events": 3,
            "seen": 6,
            "severity": 2,
        },
        {
            "taxonomy": "vulnerable",
            "type": "ddos-amplifier",
            "identifier": "openresolver",
            "events": 1,
            "seen": 1,
            "severity": 3,
        },
    ]
    assert set(digest.items.values_list("event_id", flat=True)) == {e.pk for e in [*rdp, dns]}
    subscription.refresh_from_db()
    assert subscription.last_sent_at == NOW
    assert subscription.last_checked_at == NOW


def test_filters_by_classification_type_and_least_severity(orgs):
    subscription = make_subscription(
        orgs.hospital, None, classification_types=["ddos-amplifier"], min_severity=3
    )
    wanted = make_event(
        orgs.hospital, NOW - timedelta(hours=1), classification_type="ddos-amplifier", severity=3
    )
    make_event(
        orgs.hospital, NOW - timedelta(hours=1), classification_type="ddos-amplifier", severity=2
    )
    make_event(orgs.hospital, NOW - timedelta(hours=1), severity=4)  # another type
    digest = build_digest(subscription, NOW)
    assert digest is not None
    assert list(digest.items.values_list("event_id", flat=True)) == [wanted.pk]


def test_events_on_a_warninglist_stay_out_of_digests(orgs):
    subscription = make_subscription(orgs.hospital, None)
    wanted = make_event(orgs.hospital, NOW - timedelta(hours=1))
    make_event(orgs.hospital, NOW - timedelta(hours=1), warninglisted=True)
    digest = build_digest(subscription, NOW)
    assert digest is not None
    assert list(digest.items.values_list("event_id", flat=True)) == [wanted.pk]


def test_nothing_new_means_no_digest_but_the_look_is_recorded(orgs):
    subscription = make_subscription(orgs.hospital, None)
    make_event(orgs.hospital, NOW - timedelta(days=3))
    assert build_digest(subscription, NOW) is None
    assert not Digest.objects.exists()
    subscription.refresh_from_db()
    assert subscription.last_checked_at == NOW
    assert subscription.last_sent_at is None


def test_the_next_digest_starts_where_the_last_look_ended(orgs):
    subscription = make_subscription(orgs.hospital, None)
    first = make_event(orgs.hospital, NOW - timedelta(hours=1))
    assert build_digest(subscription, NOW) is not None
    later = NOW + timedelta(days=1)
    second = make_event(orgs.hospital, later - timedelta(hours=1))
    digest = build_digest(subscription, later)
    assert digest is not None
    assert digest.period_start == NOW
    assert list(digest.items.values_list("event_id", flat=True)) == [second.pk]
    assert first.pk != second.pk


def test_a_finding_sent_within_the_suppression_days_is_left_out(orgs, settings):
    settings.SIAGA_DIGEST_SUPPRESS_DAYS = 7
    subscription = make_subscription(orgs.hospital, None)
    make_event(orgs.hospital, NOW - timedelta(hours=1), dedupe_key=77)
    assert build_digest(subscription, NOW) is not None
    # The same finding observed again three days later (a new row after the dedupe window).
    again = NOW + timedelta(days=3)
    make_event(orgs.hospital, again - timedelta(hours=1), dedupe_key=77)
    assert build_digest(subscription, again) is None
    # Eight days after the first digest, it is news again.
    late = NOW + timedelta(days=8)
    repeat = make_event(orgs.hospital, late - timedelta(hours=1), dedupe_key=77)
    digest = build_digest(subscription, late)
    assert digest is not None
    assert list(digest.items.values_list("event_id", flat=True)) == [repeat.pk]


def test_suppression_is_per_organization(orgs):
    make_event(orgs.hospital, NOW - timedelta(hours=1), dedupe_key=88)
    make_event(orgs.other_hospital, NOW - timedelta(hours=1), dedupe_key=88)
    assert build_digest(make_subscription(orgs.hospital, None), NOW) is not None
    other = build_digest(make_subscription(orgs.other_hospital, None), NOW)
    assert other is not None and other.event_count == 1
    assert DigestItem.objects.filter(dedupe_key=88).count() == 2
