"""Reporting periods: the presets of the period filter and the buckets a period is charted in.

A period is a half-open range ``[start, end)`` of aware datetimes at local midnights (the site's time
zone), so "last 7 days" on a page, in the API and in the sector report mean the same instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

PRESETS = {
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "90d": _("Last 90 days"),
    "this_quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "custom": _("Custom"),
}
DEFAULT_PRESET = "30d"
MAX_DAYS = 3 * 366  # a custom period longer than this is refused: nobody reads it, it costs


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    preset: str = "custom"

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start).date()

    @property
    def last_day(self) -> date:
        """The last day inside the period (``end`` is the midnight after it)."""
        return timezone.localtime(self.end).date() - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def label(self) -> str:
        return f"{date_format(self.first_day, 'DATE_FORMAT')} \N{EN DASH} {date_format(self.last_day, 'DATE_FORMAT')}"


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def from_days(first: date, last: date, preset: str = "custom") -> Period:
    """The period of the days ``first`` to ``last``, both included."""
    return Period(midnight(first), midnight(last + timedelta(days=1)), preset)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_period(preset: str, today: date | None = None) -> Period:
    """One of the presets, ending with today (a quarter: the calendar quarter)."""
    today = today or timezone.localdate()
    if preset in ("7d", "30d", "90d"):
        days = int(preset[:-1])
        return from_days(today - timedelta(days=days - 1), today, preset)
    this_quarter = _quarter_start(today)
    if preset == "this_quarter":
        return from_days(this_quarter, today, preset)
    if preset == "last_quarter":
        previous = _quarter_start(this_quarter - timedelta(days=1))
        return from_days(previous, this_quarter - timedelta(days=1), preset)
    raise ValueError(f"unknown period preset {preset!r}")


@dataclass(frozen=True)
class Buckets:
    """How a period is cut for charts over time: by day, ISO week or month."""

    unit: str  # "day" | "week" | "month"
    starts: list[date]

    def labels(self) -> list[str]:
        pattern = "M Y" if self.unit == "month" else "j M"
        return [date_format(day, pattern) for day in self.starts]

    def index(self, day: date) -> int | None:
        key = bucket_of(day, self.unit)
        try:
            return self.starts.index(key)
        except ValueError:
            return None


def bucket_of(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day


def buckets(start: datetime, end: datetime, unit: str | None = None) -> Buckets:
    """The buckets covering ``[start, end)``: days up to a month, weeks up to ~4 months, else months."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end).date() - timedelta(days=1)
    if last < first:
        return Buckets(unit or "day", [])
    if unit is None:
        span = (last - first).days + 1
        unit = "day" if span <= 31 else "week" if span <= 120 else "month"
    starts: list[date] = []
    day = bucket_of(first, unit)
    while day <= last:
        starts.append(day)
        if unit == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if unit == "week" else 1)
    return Buckets(unit, starts)
