"""The CERT dashboard's numbers for one period, as plain data (the page draws them, the API sends
them), kept for a short while in the cache.

The figures of a period change when incidents, clocks or answers change, so their cached copy is
keyed by a version that every save of those bumps (``siaga.dashboards.signals``) as well as by the
period and the language (labels are translated). Feed-event roll-ups and assessment results are
written in bulk or rarely, without signals: they are cached apart, by period and language only, so
an incident's save does not make the page read the roll-ups again. Both entries expire after
``SIAGA_DASHBOARD_CACHE_SECONDS`` (60 s by default). Risks are
filtered by the viewer's own ``restrict()`` and never cached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from siaga.dashboards import figures
from siaga.dashboards.periods import Period
from siaga.dashboards.rollups import refreshed_once

VERSION_KEY = "dashboards:version"


def cache_seconds() -> int:
    return int(getattr(settings, "SIAGA_DASHBOARD_CACHE_SECONDS", 60))


def data_version() -> int:
    return int(cache.get_or_set(VERSION_KEY, 1, timeout=None) or 1)


def bump_version(**_kwargs: Any) -> None:
    """Called on every save or delete of a model the figures read (a signal receiver)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _pairs(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"label": label, "count": count} for label, count in rows]


def _series(data: tuple[list[str], dict[str, list[int]]]) -> dict[str, Any]:
    labels, series = data
    return {"labels": labels, "series": [{"name": k, "values": v} for k, v in series.items()]}


def gather_incidents(period: Period, now: datetime | None = None) -> dict[str, Any]:
    """The figures that change with every incident, clock or answer (cached under the version)."""
    with refreshed_once():
        return _gather_incidents(period, now)


def _gather_incidents(period: Period, now: datetime | None) -> dict[str, Any]:
    start, end = period.start, period.end
    days = figures.incident_days_by_class(start, end)
    return {
        "incidents_total": sum(n for _day, _class, n in days),
        "incidents_by_class": _pairs(figures.class_totals(days)),
        "incidents_over_time": _series(figures.class_series(start, end, days)),
        "incidents_by_priority": _pairs(figures.incidents_by_priority(start, end)),
        "incidents_by_province": _pairs(figures.incidents_by_province(start, end)),
        "incidents_by_constituent_kind": _pairs(figures.incidents_by_constituent_kind(start, end)),
        "response_times": [
            {"priority": priority, **values}
            for priority, values in figures.response_times(start, end).items()
        ],
        "sla_compliance": figures.sla_compliance(start, end, now),
        "open_legal_clocks": [
            {**vars(clock), "due_at": clock.due_at.isoformat()}
            for clock in figures.open_legal_clocks(now)
        ],
        "most_affected_constituents": [
            vars(row) for row in figures.most_affected_constituents(start, end)
        ],
        "advisory_answer_rates": [
            {**vars(rate), "percent": rate.percent}
            for rate in figures.advisory_answer_rates(start, end)
        ],
    }


def gather_slow_moving(period: Period) -> dict[str, Any]:
    """Feed-event roll-ups and assessments: written in bulk or rarely, without signals, so cached
    for the expiry time only (a write does not throw them away)."""
    start, end = period.start, period.end
    event_days = figures.event_days(start, end)
    return {
        "events_by_classification": _pairs(figures.type_totals(event_days)),
        "events_over_time": _series(figures.taxonomy_series(start, end, event_days)),
        "maturity_distribution": _pairs(maturity_distribution(start, end)),
    }


def gather(period: Period, now: datetime | None = None) -> dict[str, Any]:
    """Every sector figure of the period (no cache): what the page and the API show."""
    head = {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "preset": period.preset,
        }
    }
    return {**head, **gather_incidents(period, now), **gather_slow_moving(period)}


def _cached(name: str, period: Period, make: Any) -> dict[str, Any]:
    key = (
        f"dashboards:{name}:{get_language()}:"
        f"{period.start.isoformat()}:{period.end.isoformat()}:{period.preset}"
    )
    data = cache.get(key)
    if data is None:
        data = make()
        cache.set(key, data, cache_seconds())
    return data


def sector_figures(period: Period) -> dict[str, Any]:
    """``gather`` through the cache (see the module's docstring)."""
    head = {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "preset": period.preset,
        }
    }
    version = data_version()
    incidents = _cached(
        f"incidents:{version}", period, lambda: gather_incidents(period, timezone.now())
    )
    slow = _cached("slow", period, lambda: gather_slow_moving(period))
    return {**head, **incidents, **slow}


def maturity_distribution(start: datetime, end: datetime) -> list[tuple[str, int]]:
    # Imported here: the assessments app may be absent from a trimmed installation.
    from siaga.assessments.summary import maturity_distribution as distribution

    return distribution(start, end)


def risk_heat_map(user: Any) -> dict[str, Any]:
    """The residual ratings of the active risks the user may see, as a heat map."""
    from siaga.risks.choices import ACTIVE_STATUSES
    from siaga.risks.models import Risk
    from siaga.risks.summary import heat_map

    risks = Risk.objects.restrict(user, "view").filter(status__in=list(ACTIVE_STATUSES))
    heat = heat_map(risks, rating="residual")
    return {
        "cells": heat.cells,
        "impact_labels": heat.impact_labels,
        "likelihood_labels": heat.likelihood_labels,
    }
