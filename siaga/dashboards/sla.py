"""SLA compliance from the incident roll-ups: met and late are stored per row; of the incidents
still waiting for a milestone, a row's are all breached if its latest deadline is past, none if its
earliest is still ahead, and only the few days in between (deadlines around ``now``) are read from
the incidents."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from siaga.dashboards import direct
from siaga.dashboards.models import IncidentDailyCount
from siaga.dashboards.rollups import midnight, runs
from siaga.incidents.slas import Milestone


def _straddling_days(
    rows: QuerySet[IncidentDailyCount], now: datetime
) -> dict[Milestone, list[date]]:
    """Per milestone, the days with waiting incidents whose deadlines fall both before and after
    ``now``: only there must the incidents be read to tell the breached ones."""
    straddle = {
        milestone: Q(
            **{
                f"{milestone}_waiting__gt": 0,
                f"{milestone}_due_min__lt": now,
                f"{milestone}_due_max__gte": now,
            }
        )
        for milestone in Milestone
    }
    scope = Q()
    for q in straddle.values():
        scope |= q
    found: dict[Milestone, list[date]] = defaultdict(list)
    flags = {str(m): Count("pk", filter=q) for m, q in straddle.items()}
    days: Any = rows.filter(scope).values("day").annotate(**flags)
    for row in days:
        for milestone in Milestone:
            if row[str(milestone)]:
                found[milestone].append(row["day"])
    return found


def _created_on(days: list[date]) -> Q:
    q = Q()
    for first, after in runs(days):
        q |= Q(created_at__gte=midnight(first), created_at__lt=midnight(after))
    return q


def sla_counts(rows: QuerySet[IncidentDailyCount], now: datetime) -> dict[str, int]:
    """``direct.sla_counts`` from the roll-up rows of a range."""
    straddling = _straddling_days(rows, now)
    aggregates: dict[str, Any] = {}
    for milestone in Milestone:
        aggregates[f"{milestone}_met"] = Sum(f"{milestone}_met")
        aggregates[f"{milestone}_late"] = Sum(f"{milestone}_late")
        aggregates[f"{milestone}_past"] = Sum(
            f"{milestone}_waiting",
            filter=Q(**{f"{milestone}_due_max__lt": now})
            & ~Q(day__in=straddling.get(milestone, [])),
        )
    totals = rows.aggregate(**aggregates)
    read = direct.unmet_past({m: _created_on(d) for m, d in straddling.items()}, now)
    counts: dict[str, int] = {}
    for milestone in Milestone:
        counts[f"{milestone}_met"] = int(totals[f"{milestone}_met"] or 0)
        counts[f"{milestone}_breached"] = (
            int(totals[f"{milestone}_late"] or 0)
            + int(totals[f"{milestone}_past"] or 0)
            + read.get(milestone, 0)
        )
    return counts
