"""Months and quarters in the CERT's time zone, across year boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from siaga.reports import periods


def test_quarter_of_each_month_and_year_boundary() -> None:
    q4 = periods.quarter_of(date(2025, 12, 31))
    assert (q4.start, q4.end) == (date(2025, 10, 1), date(2026, 1, 1))
    q1 = q4.next()
    assert (q1.start, q1.end) == (date(2026, 1, 1), date(2026, 4, 1))
    assert q1.previous() == q4
    assert [periods.quarter_of(date(2026, m, 1)).quarter for m in range(1, 13)] == [
        1,
        1,
        1,
        2,
        2,
        2,
        3,
        3,
        3,
        4,
        4,
        4,
    ]


def test_month_previous_crosses_the_year() -> None:
    january = periods.month_of(date(2026, 1, 15))
    assert january.previous() == periods.Period("monthly", date(2025, 12, 1), date(2026, 1, 1))
    assert periods.month_of(date(2025, 12, 31)).next() == january


def test_instants_are_jakarta_midnight() -> None:
    q1 = periods.quarter_of(date(2026, 1, 1))
    assert q1.start_at.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert q1.end_at.astimezone(UTC) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


def test_local_today_follows_jakarta() -> None:
    # 18:00 UTC on 31 December is already 1 January in Jakarta.
    assert periods.local_today(datetime(2025, 12, 31, 18, 0, tzinfo=UTC)) == date(2026, 1, 1)
    assert periods.local_today(datetime(2025, 12, 31, 16, 59, tzinfo=UTC)) == date(2025, 12, 31)


def test_just_ended_only_on_the_first_day() -> None:
    ended = periods.just_ended("quarterly", date(2026, 1, 1))
    assert ended == periods.quarter_of(date(2025, 11, 1))
    assert periods.just_ended("quarterly", date(2026, 1, 2)) is None
    assert periods.just_ended("quarterly", date(2026, 2, 1)) is None
    assert periods.just_ended("monthly", date(2026, 2, 1)) == periods.month_of(date(2026, 1, 9))


def test_last_completed_and_trailing_months() -> None:
    last = periods.last_completed("quarterly", date(2026, 2, 10))
    assert last.key() == "2025-Q4"
    months = last.trailing_months(12)
    assert [m.key() for m in (months[0], months[-1])] == ["2025-01", "2025-12"]
    assert len({m.key() for m in months}) == 12
    assert [m.key() for m in periods.quarter_of(date(2026, 1, 5)).months()] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown period kind"):
        periods.period_of("weekly", date(2026, 1, 1))


def test_labels() -> None:
    q3 = periods.quarter_of(date(2026, 8, 1))
    with translation.override("en"):
        assert q3.label() == "Quarter III 2026"
        assert periods.month_of(date(2026, 7, 3)).label() == "July 2026"
    with translation.override("id"):
        assert periods.month_of(date(2026, 7, 3)).label() == "Juli 2026"
