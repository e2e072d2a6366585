"""Fixtures of the dashboard tests: incidents, clocks and roll-ups written straight to the tables
(the figures read tables; how rows get there is the other apps' business and tested there)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from siaga.constituents.models import ConstituentProfile
from siaga.dashboards import rollups
from siaga.dashboards.periods import Period, from_days
from siaga.events.models import EventDailyCount
from siaga.incidents.models import Incident

_numbers = itertools.count(1)
NOW = timezone.make_aware(datetime(2026, 5, 20, 12, 0), timezone.get_fixed_timezone(7 * 60))


def at(day: int, hour: int = 10, month: int = 5) -> datetime:
    return timezone.make_aware(
        datetime(2026, month, day, hour, 0), timezone.get_fixed_timezone(7 * 60)
    )


@pytest.fixture
def may() -> Period:
    return from_days(date(2026, 5, 1), date(2026, 5, 31))


@pytest.fixture
def make_incident() -> Any:
    def make(created: datetime, *, affected: list[Any] = (), **fields: Any) -> Incident:
        priority = fields.pop("priority", "P3")
        fields.setdefault("rsit_class", "malicious-code")
        fields.setdefault("rsit_type", "infected-system")
        incident = Incident.objects.create(
            reference=f"SIAGA-INC-2026-{next(_numbers):06d}", title="Ransomware", **fields
        )
        Incident.objects.filter(pk=incident.pk).update(created_at=created, priority=priority)
        incident.affected_constituents.set(affected)
        incident.refresh_from_db()
        # The update moved it to another day behind the signals' back: mark that day (what code
        # that rewrites ``created_at`` in bulk must do, or run the rebuild).
        rollups.mark_incidents([incident])
        return incident

    return make


@pytest.fixture
def profiled(orgs: Any) -> Any:
    ConstituentProfile.objects.create(organization=orgs.hospital, province="31")
    ConstituentProfile.objects.create(organization=orgs.other_hospital, province="35")
    return orgs


def rollup(day: date, constituent: Any = None, n: int = 1, **fields: Any) -> EventDailyCount:
    fields.setdefault("feed_name", "shadowserver-scan")
    fields.setdefault("classification_taxonomy", "vulnerable")
    fields.setdefault("classification_type", "vulnerable-system")
    fields.setdefault("severity", 2)
    return EventDailyCount.objects.create(
        day=day, constituent=constituent, events=n, findings=n * 2, **fields
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
def private_cache(settings: Any) -> None:
    """An in-memory cache of this test's own: the shared test cache folder is emptied by other
    test processes running at the same time, which would make a cache hit a matter of luck."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}
    }
