"""The incident figures: counts by class, time, priority, place and kind; MTTA/MTTR; SLA compliance."""

from __future__ import annotations

import pytest
from django.utils import translation

from siaga.dashboards import figures
from siaga.dashboards.tests.conftest import NOW, at, hours

pytestmark = pytest.mark.django_db


def test_by_class_counts_only_the_period_and_leaves_merged_out(make_incident, may):
    kept = make_incident(at(3))
    make_incident(at(4), rsit_class="fraud", rsit_type="phishing")
    make_incident(at(5), merged_into=kept)
    make_incident(at(30, month=4))  # before the period
    make_incident(at(1, hour=0, month=6))  # the end is excluded
    assert figures.incidents_by_class(may.start, may.end) == [("Fraud", 1), ("Malicious code", 1)]
    with translation.override("id"):
        labels = [label for label, _n in figures.incidents_by_class(may.start, may.end)]
    assert "Malicious code" not in labels


def test_local_midnight_decides_the_day(make_incident, may):
    # 1 May 00:30 in Jakarta is 30 April in UTC: it belongs to May.
    make_incident(at(1, hour=0).replace(minute=30))
    labels, series = figures.incidents_over_time(may.start, may.end)
    assert len(labels) == 31
    assert series["Malicious code"][0] == 1


def test_by_month_has_one_label_per_month_and_series_by_class(make_incident, may):
    make_incident(at(2))
    make_incident(at(20), rsit_class="availability", rsit_type="ddos")
    labels, series = figures.incidents_by_month(may.start, may.end)
    assert len(labels) == 1 and "2026" in labels[0]
    assert series == {"Malicious code": [1], "Availability": [1]}


def test_by_priority_lists_every_priority(make_incident, may):
    make_incident(at(2), priority="P1")
    make_incident(at(3), priority="P1")
    counts = figures.incidents_by_priority(may.start, may.end)
    assert [n for _label, n in counts] == [2, 0, 0, 0]
    assert counts[0][0].startswith("P1")


def test_by_province_and_kind(make_incident, profiled, may):
    make_incident(at(2), affected=[profiled.hospital, profiled.other_hospital])
    make_incident(at(3), affected=[profiled.hospital])
    make_incident(at(4))
    provinces = dict(figures.incidents_by_province(may.start, may.end))
    assert provinces == {"DKI Jakarta": 2, "Jawa Timur": 1, "Unknown": 1}
    kinds = dict(figures.incidents_by_constituent_kind(may.start, may.end))
    assert kinds == {"Hospital": 2, "Unknown": 1}


def test_response_times_per_priority(make_incident, may):
    make_incident(
        at(2), priority="P1", acknowledged_at=at(2) + hours(1), resolved_at=at(2) + hours(10)
    )
    make_incident(at(3), priority="P1", acknowledged_at=at(3) + hours(3))
    make_incident(at(4), priority="P2")
    times = figures.response_times(may.start, may.end)
    assert times["P1"] == {"mtta": 7200.0, "mttr": 36000.0, "acknowledged": 2, "resolved": 1}
    assert times["P2"] == {"mtta": None, "mttr": None, "acknowledged": 0, "resolved": 0}
    assert set(times) == {"P1", "P2", "P3", "P4"}


def test_sla_compliance_follows_the_rule_of_the_incident_page(make_incident, may, settings):
    settings.SIAGA_SLA_TARGETS = {
        p: {"acknowledge": 60, "triage": 120, "first_response": 240, "resolve": 1440}
        for p in ("P1", "P2", "P3", "P4")
    }
    make_incident(at(2), acknowledged_at=at(2) + hours(0.5))  # met
    make_incident(at(3), acknowledged_at=at(3) + hours(2))  # met late: breached
    make_incident(at(4), reported_at=at(4) - hours(1), acknowledged_at=at(4) + hours(0.5))  # late
    make_incident(at(5))  # open, unmet, past due: breached
    make_incident(at(6), status="closed", closure_reason="false_positive")  # not applicable
    make_incident(at(20, hour=11, month=5))  # running when NOW is 20 May 12:00: undecided
    rows = {
        row["milestone"]: row
        for row in figures.sla_compliance(may.start, may.end, now=NOW - hours(0.5))
    }
    assert rows["acknowledge"]["met"] == 1
    assert rows["acknowledge"]["breached"] == 3
    assert rows["acknowledge"]["percent"] == 25.0
    assert rows["resolve"]["met"] == 0 and rows["resolve"]["breached"] == 4  # four open past a day


def test_empty_period(may):
    assert figures.incidents_by_class(may.start, may.end) == []
    labels, series = figures.incidents_over_time(may.start, may.end)
    assert len(labels) == 31 and series == {}
    assert all(row["percent"] is None for row in figures.sla_compliance(may.start, may.end))
