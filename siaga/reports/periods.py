"""Reporting periods: calendar months and quarters in the CERT's time zone (``settings.TIME_ZONE``).

Pure functions, no database. A period is half-open, ``[start, end)``, as two local dates; its
``start_at`` / ``end_at`` are the aware instants of local midnight, so a quarter in Jakarta starts
on 1 January 00:00 WIB (31 December 17:00 UTC) and an incident reported at 23:30 WIB on
31 December belongs to the old year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext

MONTHLY = "monthly"
QUARTERLY = "quarterly"
KINDS = (MONTHLY, QUARTERLY)
ROMAN = ("I", "II", "III", "IV")


def cert_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "TIME_ZONE", "Asia/Jakarta") or "Asia/Jakarta")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """One month or quarter: ``start`` (first day) and ``end`` (first day after), local dates."""

    kind: str
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=cert_zone())

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=cert_zone())

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def previous(self) -> Period:
        return period_of(self.kind, _add_months(self.start, -1))

    def next(self) -> Period:
        return period_of(self.kind, self.end)

    def months(self) -> list[Period]:
        """The months of the period, oldest first."""
        months, day = [], self.start
        while day < self.end:
            months.append(month_of(day))
            day = _add_months(day, 1)
        return months

    def trailing_months(self, count: int = 12) -> list[Period]:
        """The ``count`` months that end with this period (the last four quarters for 12)."""
        first = _add_months(self.end, -count)
        return [month_of(_add_months(first, offset)) for offset in range(count)]

    def label(self) -> str:
        """ "Q3 2026" / "Triwulan III 2026", "Juli 2026": in the active language."""
        if self.kind == QUARTERLY:
            return gettext("Quarter %(quarter)s %(year)s") % {
                "quarter": ROMAN[self.quarter - 1],
                "year": self.start.year,
            }
        return formats.date_format(self.start, "F Y")

    def key(self) -> str:
        """A stable short name: 2026-Q3 or 2026-07."""
        if self.kind == QUARTERLY:
            return f"{self.start.year}-Q{self.quarter}"
        return f"{self.start:%Y-%m}"


def month_of(day: date) -> Period:
    start = date(day.year, day.month, 1)
    return Period(MONTHLY, start, _add_months(start, 1))


def quarter_of(day: date) -> Period:
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(QUARTERLY, start, _add_months(start, 3))


def period_of(kind: str, day: date) -> Period:
    if kind == MONTHLY:
        return month_of(day)
    if kind == QUARTERLY:
        return quarter_of(day)
    raise ValueError(f"unknown period kind: {kind!r}")


def local_today(now: datetime) -> date:
    """The CERT's calendar day at the aware instant ``now``."""
    return now.astimezone(cert_zone()).date()


def just_ended(kind: str, today: date) -> Period | None:
    """The period that ended yesterday (``today`` is its ``end``), or None."""
    current = period_of(kind, today)
    return current.previous() if current.start == today else None


def last_completed(kind: str, today: date) -> Period:
    """The most recent period that has ended by ``today``."""
    return period_of(kind, today).previous()
