"""Decay: confidence halves every half-life since last seen; 0 after valid_until; SQL agrees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from siaga.intel.decay import half_life_days, score
from siaga.intel.filters import filter_indicators
from siaga.intel.models import Indicator

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def indicator(kind: str = "ip", age_days: float = 0, confidence: int = 80, **extra: Any) -> Any:
    return Indicator(
        type=kind, confidence=confidence, last_seen=NOW - timedelta(days=age_days), **extra
    )


def test_fresh_indicator_scores_its_confidence() -> None:
    assert score(indicator(age_days=0), NOW) == 80


@pytest.mark.parametrize(
    ("kind", "days"),
    [("ip", 30), ("url", 60), ("domain", 90), ("sha256", 365), ("md5", 365), ("email", 180)],
)
def test_half_life_per_type(kind: str, days: int) -> None:
    assert half_life_days(kind) == days
    assert score(indicator(kind, age_days=days), NOW) == 40
    assert score(indicator(kind, age_days=2 * days), NOW) == 20


def test_half_life_from_the_setting(settings: Any) -> None:
    settings.SIAGA_INTEL_DECAY_DAYS = {"ip": 10}
    assert score(indicator("ip", age_days=10), NOW) == 40
    assert half_life_days("domain") == 90  # the others keep their defaults


def test_nothing_after_valid_until() -> None:
    assert score(indicator(valid_until=NOW - timedelta(seconds=1)), NOW) == 0
    assert score(indicator(valid_until=NOW + timedelta(days=1)), NOW) == 80


def test_seen_in_the_future_does_not_grow() -> None:
    assert score(indicator(age_days=-5), NOW) == 80


@pytest.mark.django_db
def test_active_filter_agrees_with_the_score(make_indicator: Any) -> None:
    fresh = make_indicator(
        "192.0.2.1",
        confidence=80,
        last_seen=NOW - timedelta(days=1),
        first_seen=NOW - timedelta(days=1),
    )
    # 80 → 20 after two half-lives (60 days): 70 days old is below the threshold of 20.
    old = make_indicator(
        "192.0.2.2",
        confidence=80,
        last_seen=NOW - timedelta(days=70),
        first_seen=NOW - timedelta(days=70),
    )
    hash_ = make_indicator(
        "a" * 64,
        "sha256",
        confidence=80,
        last_seen=NOW - timedelta(days=70),
        first_seen=NOW - timedelta(days=70),
    )
    expired = make_indicator("192.0.2.3", confidence=90, valid_until=NOW - timedelta(hours=1))
    active = set(filter_indicators(Indicator.objects.all(), {"active": True}, now=NOW))
    assert active == {fresh, hash_}
    for item in (fresh, old, hash_, expired):
        assert (item in active) == (score(item, NOW) > 20)
