"""The SLA and legal-clock rules, apart from any incident: targets, states, which clocks apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siaga.incidents.legal_clocks import (
    ClockKind,
    applicable_clocks,
    deadline,
    recipients,
    warning_at,
)
from siaga.incidents.slas import Milestone, SlaState, next_due, sla_statuses, state_of, target

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_targets_come_from_settings_per_priority(settings):
    settings.SIAGA_SLA_TARGETS = {
        **settings.SIAGA_SLA_TARGETS,
        "P1": {**settings.SIAGA_SLA_TARGETS["P1"], "acknowledge": 10},
    }
    assert target("P1", Milestone.ACKNOWLEDGE) == timedelta(minutes=10)
    assert target("P4", Milestone.RESOLVE) == timedelta(days=30)
    assert target("P9", Milestone.RESOLVE) == target("P4", Milestone.RESOLVE)  # unknown → lowest


@pytest.mark.parametrize(
    ("met_after", "closed", "now_after", "expected"),
    [
        (30, False, 100, SlaState.MET),
        (61, False, 100, SlaState.MET_LATE),
        (None, False, 10, SlaState.RUNNING),
        (None, False, 45, SlaState.WARNING),  # 75 % of 60 minutes used
        (None, False, 61, SlaState.BREACHED),
        (None, True, 500, SlaState.NOT_APPLICABLE),
    ],
)
def test_state_of_a_milestone(met_after, closed, now_after, expected):
    due = START + timedelta(minutes=60)
    met_at = None if met_after is None else START + timedelta(minutes=met_after)
    state = state_of(
        start=START, due=due, met_at=met_at, closed=closed, now=START + timedelta(minutes=now_after)
    )
    assert state == expected


def test_statuses_and_the_next_due_milestone():
    now = START + timedelta(minutes=20)
    statuses = sla_statuses(
        priority="P1",
        start=START,
        met={Milestone.ACKNOWLEDGE: START + timedelta(minutes=5)},
        closed=False,
        now=now,
    )
    assert [s.milestone for s in statuses] == list(Milestone)
    assert statuses[0].state == SlaState.MET
    nxt = next_due(statuses)
    assert nxt is not None and nxt.milestone == Milestone.TRIAGE
    assert nxt.due_at == START + timedelta(hours=1)
    assert nxt.remaining(now) == timedelta(minutes=40)


@pytest.mark.parametrize(
    ("personal", "vital", "priority", "expected"),
    [
        (False, False, "P1", []),
        (True, False, "P4", [ClockKind.PDP_NOTICE]),
        (False, True, "P1", [ClockKind.IIV_REPORT]),
        (False, True, "P2", [ClockKind.IIV_REPORT]),
        (False, True, "P3", []),  # not high risk: no 1 x 24-hour report
        (True, True, "P2", [ClockKind.PDP_NOTICE, ClockKind.IIV_REPORT]),
    ],
)
def test_which_clocks_apply(personal, vital, priority, expected):
    kinds = applicable_clocks(
        personal_data_involved=personal, vital_infrastructure=vital, priority=priority
    )
    assert kinds == expected


def test_deadlines_and_warnings_follow_settings(settings):
    assert deadline(ClockKind.PDP_NOTICE, START) == START + timedelta(hours=72)
    assert deadline(ClockKind.IIV_REPORT, START) == START + timedelta(hours=24)
    assert warning_at(ClockKind.IIV_REPORT, START) == START + timedelta(hours=18)
    settings.SIAGA_IIV_REPORT_HOURS = 4
    settings.SIAGA_CLOCK_WARNING_HOURS = 6
    assert warning_at(ClockKind.IIV_REPORT, START) == START  # never before the start


def test_recipients_are_configurable(settings):
    settings.SIAGA_SECTORAL_CSIRT_EMAIL = "csirt@health.example"
    iiv = recipients(ClockKind.IIV_REPORT)
    assert [(r.role, r.email, r.copy) for r in iiv] == [
        ("sectoral_csirt", "csirt@health.example", False),
        ("national_csirt", settings.SIAGA_NATIONAL_CSIRT_EMAIL, True),
    ]
    assert [r.role for r in recipients(ClockKind.PDP_NOTICE)] == ["data_subjects", "pdp_authority"]
