"""Who is on duty and where the rota has holes: the pure rules, across shift boundaries and zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.governance import oncall

JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7
JAYAPURA = ZoneInfo("Asia/Jayapura")  # UTC+9
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class Shift:
    name: str
    starts_at: datetime
    ends_at: datetime
    level: int = 1


DAY = Shift("day", T0, T0 + timedelta(hours=12))
NIGHT = Shift("night", T0 + timedelta(hours=12), T0 + timedelta(hours=24))
BACKUP = Shift("backup", T0, T0 + timedelta(hours=24), level=2)


def names(shifts):
    return [shift.name for shift in shifts]


def test_the_start_is_included_and_the_end_excluded():
    boundary = T0 + timedelta(hours=12)
    assert names(oncall.on_duty([DAY, NIGHT], boundary)) == ["night"]
    assert names(oncall.on_duty([DAY, NIGHT], boundary - timedelta(microseconds=1))) == ["day"]
    assert names(oncall.on_duty([DAY, NIGHT], T0 + timedelta(hours=24))) == []


def test_the_same_instant_in_any_zone_finds_the_same_people():
    # 20:00 in Jakarta is 13:00 UTC, 22:00 in Jayapura: the night shift in all three.
    jakarta = datetime(2026, 3, 2, 20, 0, tzinfo=JAKARTA)
    jayapura = datetime(2026, 3, 2, 22, 0, tzinfo=JAYAPURA)
    assert jakarta == jayapura
    for moment in (jakarta, jayapura, jakarta.astimezone(UTC)):
        assert names(oncall.on_duty([DAY, NIGHT, BACKUP], moment)) == ["night", "backup"]


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="naive"):
        oncall.on_duty([DAY], datetime(2026, 3, 2, 9, 0))


def test_the_escalation_chain_lists_every_level():
    chain = oncall.escalation_chain([DAY, NIGHT, BACKUP], T0 + timedelta(hours=3))
    assert [(level, names(shifts)) for level, shifts in chain] == [
        (1, ["day"]),
        (2, ["backup"]),
        (3, []),
    ]


def test_gaps_are_the_uncovered_stretches_of_each_level():
    end = T0 + timedelta(hours=36)
    gaps = oncall.coverage_gaps([DAY, BACKUP], T0, end, levels=(1, 2))
    assert [(g.level, g.starts_at, g.ends_at) for g in gaps] == [
        (1, T0 + timedelta(hours=12), end),
        (2, T0 + timedelta(hours=24), end),
    ]
    assert gaps[0].hours == 24


def test_overlapping_and_adjacent_shifts_leave_no_gap():
    overlap = Shift("overlap", T0 + timedelta(hours=10), T0 + timedelta(hours=14))
    assert oncall.coverage_gaps([DAY, overlap, NIGHT], T0, T0 + timedelta(hours=24)) == []


def test_a_gap_at_the_start_of_the_window():
    gaps = oncall.coverage_gaps([NIGHT], T0, T0 + timedelta(hours=24))
    assert [(g.starts_at, g.ends_at) for g in gaps] == [(T0, T0 + timedelta(hours=12))]


shift_strategy = st.builds(
    lambda start, hours, level: Shift(
        "s", T0 + timedelta(hours=start), T0 + timedelta(hours=start + hours), level
    ),
    st.integers(-48, 400),
    st.integers(1, 72),
    st.sampled_from(oncall.LEVELS),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shift_strategy, max_size=30), st.integers(0, 300))
def test_gaps_and_duty_agree(shifts, hour):
    """At any moment in the window, level 1 has someone on duty exactly when no gap covers it."""
    start, end = T0, T0 + timedelta(days=14)
    gaps = oncall.coverage_gaps(shifts, start, end)
    moment = T0 + timedelta(hours=hour, minutes=17)
    in_gap = any(g.starts_at <= moment < g.ends_at for g in gaps)
    has_first_level = any(s.level == 1 for s in oncall.on_duty(shifts, moment))
    assert in_gap != has_first_level
    for earlier, later in pairwise(gaps):
        assert earlier.ends_at < later.starts_at or earlier.level != later.level
