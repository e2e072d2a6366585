"""Who is on duty, and where the rota has holes: pure functions over shifts (no database).

A shift is anything with ``starts_at``, ``ends_at`` (aware datetimes; the start included, the end
excluded) and ``level`` (1, 2, 3). Aware datetimes compare by the instant they name, so shifts
stored in UTC and a moment given in Jakarta or Jayapura time agree; a naive moment is refused,
since it would silently mean the server's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

LEVELS = (1, 2, 3)


class ShiftLike(Protocol):
    starts_at: datetime
    ends_at: datetime
    level: int


@dataclass(frozen=True)
class Gap:
    """A stretch of time with nobody on call at a level."""

    level: int
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone")


def covers(shift: ShiftLike, moment: datetime) -> bool:
    return shift.starts_at <= moment < shift.ends_at


def on_duty[S: ShiftLike](shifts: Iterable[S], moment: datetime) -> list[S]:
    """The shifts running at ``moment``, lowest level first (then the earliest started)."""
    _require_aware(moment)
    running = [shift for shift in shifts if covers(shift, moment)]
    return sorted(running, key=lambda shift: (shift.level, shift.starts_at))


def escalation_chain[S: ShiftLike](
    shifts: Iterable[S], moment: datetime
) -> list[tuple[int, list[S]]]:
    """Level by level (1, 2, 3), who is on call at ``moment``; a level nobody covers is empty."""
    running = on_duty(shifts, moment)
    return [(level, [shift for shift in running if shift.level == level]) for level in LEVELS]


def coverage_gaps(
    shifts: Iterable[ShiftLike], start: datetime, end: datetime, levels: Sequence[int] = (1,)
) -> list[Gap]:
    """The stretches of [start, end) that no shift of each level covers, in time order."""
    _require_aware(start)
    _require_aware(end)
    pool = list(shifts)
    gaps: list[Gap] = []
    for level in levels:
        gaps.extend(_gaps_at_level([s for s in pool if s.level == level], start, end, level))
    return sorted(gaps, key=lambda gap: (gap.starts_at, gap.level))


def _gaps_at_level(shifts: list[Any], start: datetime, end: datetime, level: int) -> list[Gap]:
    gaps: list[Gap] = []
    cursor = start
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        if shift.ends_at <= cursor or shift.starts_at >= end:
            continue
        if shift.starts_at > cursor:
            gaps.append(Gap(level, cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
        if cursor >= end:
            return gaps
    if cursor < end:
        gaps.append(Gap(level, cursor, end))
    return gaps
