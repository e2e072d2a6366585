"""How far an indicator is still trusted: its confidence, decaying with age.

An IP address changes hands within weeks, a domain within months, a file hash stays what it is.
So an indicator's score is its confidence halved every *half-life* days since it was last seen
(a sighting refreshes ``last_seen``), with a half-life per observable type from the setting
``SIAGA_INTEL_DECAY_DAYS`` (type → days); after ``valid_until`` it is 0.

``score`` computes it for one indicator in Python; ``score_expression`` is the same formula in
SQL (PostgreSQL and SQLite) for the "active only" filter, so both agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import FloatField
from django.db.models.expressions import RawSQL

from siaga.core.observables import ObservableType

DEFAULT_DECAY_DAYS: dict[str, float] = {
    ObservableType.IP: 30,
    ObservableType.CIDR: 30,
    ObservableType.URL: 60,
    ObservableType.DOMAIN: 90,
    ObservableType.MD5: 365,
    ObservableType.SHA1: 365,
    ObservableType.SHA256: 365,
}
OTHER_DECAY_DAYS = 180.0
# "Active" indicators score above this (of 100): e.g. confidence 80 stays active two half-lives.
DEFAULT_ACTIVE_THRESHOLD = 20.0
SECONDS_PER_DAY = 86400.0


def half_life_days(kind: str) -> float:
    """The half-life of an observable type, in days (from the setting, else the defaults)."""
    configured = getattr(settings, "SIAGA_INTEL_DECAY_DAYS", None) or {}
    days = configured.get(kind, DEFAULT_DECAY_DAYS.get(kind, OTHER_DECAY_DAYS))
    return max(float(days), 1.0 / 24)  # at least an hour: a zero would divide by zero


def active_threshold() -> float:
    return float(getattr(settings, "SIAGA_INTEL_ACTIVE_THRESHOLD", DEFAULT_ACTIVE_THRESHOLD))


def score(indicator: Any, now: datetime) -> float:
    """The indicator's confidence now, 0 to 100, rounded to one decimal."""
    if indicator.valid_until is not None and indicator.valid_until <= now:
        return 0.0
    age_days = max(0.0, (now - indicator.last_seen).total_seconds() / SECONDS_PER_DAY)
    value = indicator.confidence * 0.5 ** (age_days / half_life_days(indicator.type))
    return round(value, 1)


def _half_life_case(table: str) -> str:
    column = f"{table}.{connection.ops.quote_name('type')}"
    whens = " ".join(
        f"WHEN '{kind}' THEN {half_life_days(kind)!r}" for kind in ObservableType.values
    )
    return f"(CASE {column} {whens} ELSE {OTHER_DECAY_DAYS!r} END)"


def score_expression(now: datetime) -> RawSQL:
    """The score as a SQL expression on ``intel_indicator``, to filter or order by."""
    quote = connection.ops.quote_name
    table = quote("intel_indicator")
    confidence = f"{table}.{quote('confidence')}"
    last_seen = f"{table}.{quote('last_seen')}"
    valid_until = f"{table}.{quote('valid_until')}"
    half_life = _half_life_case(table)
    if connection.vendor == "postgresql":
        age = f"GREATEST(0, EXTRACT(EPOCH FROM (%s - {last_seen})) / {SECONDS_PER_DAY})"
        stamp: Any = now
    else:
        # SQLite keeps datetimes as ISO text in UTC; julianday() reads them.
        age = f"MAX(0, julianday(%s) - julianday({last_seen}))"
        stamp = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"(CASE WHEN {valid_until} IS NOT NULL AND {valid_until} <= %s THEN 0.0 "
        f"ELSE {confidence} * POWER(0.5, {age} / {half_life}) END)"
    )
    # Only quoted names and numbers of our own are in the text; the time is a parameter.
    return RawSQL(sql, (stamp, stamp), output_field=FloatField())  # noqa: S611
