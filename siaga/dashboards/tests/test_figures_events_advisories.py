"""Figures from the roll-ups, legal clocks, most affected constituents and advisory answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from siaga.dashboards import figures
from siaga.dashboards.tests.conftest import at, rollup
from siaga.incidents.models import LegalClock

pytestmark = pytest.mark.django_db


def test_events_by_classification_reads_the_period_days_only(orgs, may):
    rollup(date(2026, 5, 1), orgs.hospital, n=3)
    rollup(date(2026, 5, 31), None, n=4)
    rollup(
        date(2026, 5, 2),
        orgs.hospital,
        n=2,
        classification_taxonomy="intrusion-attempts",
        classification_type="brute-force",
    )
    rollup(date(2026, 4, 30), orgs.hospital, n=100)
    rollup(date(2026, 6, 1), orgs.hospital, n=100)
    assert figures.events_by_classification(may.start, may.end) == [
        ("Vulnerable system", 7),
        ("Login attempts", 2),
    ]


def test_events_over_time_by_week_for_a_quarter(orgs):
    from siaga.dashboards.periods import from_days

    quarter = from_days(date(2026, 4, 1), date(2026, 6, 30))
    rollup(date(2026, 4, 1), orgs.hospital, n=3)
    rollup(date(2026, 4, 2), orgs.other_hospital, n=1)
    labels, series = figures.events_over_time(quarter.start, quarter.end)
    assert 13 <= len(labels) <= 14
    assert series["Vulnerable"][0] == 4
    _labels, mine = figures.events_over_time(
        quarter.start, quarter.end, constituent_id=orgs.hospital.pk
    )
    assert mine["Vulnerable"][0] == 3


def test_most_affected_constituents(orgs, make_incident, may):
    make_incident(at(3), affected=[orgs.hospital])
    rollup(date(2026, 5, 3), orgs.other_hospital, n=50)
    rows = figures.most_affected_constituents(may.start, may.end)
    assert [(r.name, r.incidents, r.events) for r in rows] == [
        ("Test Hospital", 1, 0),
        ("Other Hospital", 0, 50),
    ]


def test_open_legal_clocks_overdue_first(make_incident):
    now = timezone.now()
    late = make_incident(at(3))
    soon = make_incident(at(4))
    done = make_incident(at(5))
    for incident, due, status in (
        (soon, now + timedelta(hours=5), "running"),
        (late, now - timedelta(hours=1), "running"),
        (done, now - timedelta(hours=9), "sent"),
    ):
        LegalClock.objects.create(
            incident=incident,
            kind="pdp_notice",
            started_at=now - timedelta(days=1),
            due_at=due,
            warn_at=due,
            status=status,
        )
    clocks = figures.open_legal_clocks(now)
    assert [(c.reference, c.overdue) for c in clocks] == [
        (late.reference, True),
        (soon.reference, False),
    ]


def test_advisory_answer_rates(personas, orgs, may):
    from siaga.advisories.models import Advisory, AdvisoryRecipient

    advisory = Advisory.objects.create(
        tracking_id="SIAGA-ADV-2026-0001",
        kind="advisory",
        severity="high",
        tlp="clear",
        title_id="Kerentanan",
        title_en="Vulnerability",
        organization=orgs.cert,
    )
    AdvisoryRecipient.objects.create(
        advisory=advisory,
        organization=orgs.hospital,
        reason="all",
        notified_at=at(3),
        answer="patched",
    )
    AdvisoryRecipient.objects.create(
        advisory=advisory, organization=orgs.other_hospital, reason="all", notified_at=at(4)
    )
    [rate] = figures.advisory_answer_rates(may.start, may.end)
    assert (rate.tracking_id, rate.title, rate.sent, rate.answered, rate.percent) == (
        "SIAGA-ADV-2026-0001",
        "Vulnerability",
        2,
        1,
        50.0,
    )
    from django.utils import translation

    with translation.override("id"):
        assert figures.advisory_answer_rates(may.start, may.end)[0].title == "Kerentanan"


def test_most_affected_constituents_count_only_the_period(orgs, make_incident, may):
    make_incident(at(3), affected=[orgs.hospital])
    make_incident(at(30, month=4), affected=[orgs.other_hospital])  # before the period
    rows = figures.most_affected_constituents(may.start, may.end)
    assert [(r.name, r.incidents) for r in rows] == [("Test Hospital", 1)]
