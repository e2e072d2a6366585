"""Periods: presets, custom ranges, the buckets of charts over time, malformed filter input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.dashboards.forms import PeriodForm
from siaga.dashboards.periods import buckets, from_days, preset_period

TODAY = date(2026, 5, 20)


def test_presets_end_today_and_count_whole_days():
    week = preset_period("7d", TODAY)
    assert (week.first_day, week.last_day, week.days) == (date(2026, 5, 14), TODAY, 7)
    assert timezone.localtime(week.start).hour == 0
    assert week.end == from_days(TODAY, TODAY).end


def test_quarters():
    assert preset_period("this_quarter", TODAY).first_day == date(2026, 4, 1)
    last = preset_period("last_quarter", TODAY)
    assert (last.first_day, last.last_day) == (date(2026, 1, 1), date(2026, 3, 31))
    january = preset_period("last_quarter", date(2026, 1, 5))
    assert (january.first_day, january.last_day) == (date(2025, 10, 1), date(2025, 12, 31))


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown period"):
        preset_period("forever", TODAY)


def test_buckets_by_length():
    month = from_days(date(2026, 5, 1), date(2026, 5, 31))
    assert buckets(month.start, month.end).unit == "day"
    quarter = from_days(date(2026, 4, 1), date(2026, 6, 30))
    weekly = buckets(quarter.start, quarter.end)
    assert weekly.unit == "week" and weekly.starts[0] == date(2026, 3, 30)  # the Monday before
    year = from_days(date(2025, 6, 1), date(2026, 5, 31))
    monthly = buckets(year.start, year.end)
    assert monthly.unit == "month" and len(monthly.starts) == 12
    assert monthly.index(date(2026, 2, 14)) == 8
    assert monthly.index(date(2024, 1, 1)) is None


@pytest.mark.parametrize(
    ("data", "preset"),
    [
        ({}, "30d"),
        ({"period": "90d"}, "90d"),
        ({"from": "2026-05-01", "to": "2026-05-02"}, "custom"),
    ],
)
def test_form_choices(data, preset):
    form = PeriodForm(data)
    assert form.is_valid() or not data
    assert form.chosen().preset == preset


def test_custom_range_includes_the_last_day():
    period = PeriodForm({"from": "2026-05-01", "to": "2026-05-01"}).chosen()
    assert period.end - period.start == timedelta(days=1)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["period", "from", "to", "organization", "x"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_any_query_is_either_valid_or_a_form_error(data):
    form = PeriodForm(data)
    if not form.is_bound or form.is_valid():
        period = form.chosen()
        assert period.start < period.end
    else:
        assert form.errors
        assert form.chosen().preset == "30d"  # an invalid form never yields a half-read period
