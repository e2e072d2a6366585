"""The incident figures computed straight from the incidents table.

The dashboards read the roll-ups (``siaga.dashboards.rollups``); these queries remain for what
the roll-ups cannot answer alone: a range that does not start and end at local midnights, and
the open incidents whose SLA deadline falls on the day the figures are read (``unmet_past``). The
tests also hold the roll-up figures against them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from siaga.dashboards.labels import seconds, unknown
from siaga.dashboards.slaexpr import MILESTONE_FIELDS, due, elapsed
from siaga.incidents.choices import IncidentStatus, Priority
from siaga.incidents.models import Incident
from siaga.incidents.slas import Milestone


def incidents(start: datetime, end: datetime) -> QuerySet[Incident]:
    """The incidents created in ``[start, end)``, merged duplicates left out."""
    return Incident.objects.filter(
        created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    ).order_by()


def incident_days_by_class(start: datetime, end: datetime) -> list[tuple[date, str, int]]:
    rows = (
        incidents(start, end)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "rsit_class")
        .annotate(n=Count("pk"))
    )
    return [(day, rsit_class, n) for day, rsit_class, n in rows]


def priority_counts(start: datetime, end: datetime) -> dict[str, int]:
    return dict(incidents(start, end).values_list("priority").annotate(n=Count("pk")))


def constituent_field_counts(start: datetime, end: datetime, path: str) -> dict[Any, int]:
    """Incidents per raw value of the affected constituents' ``path`` (None: no such value)."""
    rows = (
        incidents(start, end)
        .values_list(f"affected_constituents__{path}")
        .annotate(n=Count("pk", distinct=True))
    )
    return dict(rows)


def labelled(counts: dict[Any, int], labels: dict[str, Any]) -> dict[str, int]:
    """Raw values to labels; an empty or missing value is unknown."""
    result: dict[str, int] = defaultdict(int)
    for key, n in counts.items():
        result[str(labels.get(key, key)) if key else unknown()] += n
    return result


def constituent_incident_counts(start: datetime, end: datetime, limit: int) -> dict[int, int]:
    """The ``limit`` constituents affected by most incidents, with their counts."""
    through = Incident.affected_constituents.through
    return dict(
        through.objects.filter(incident__in=incidents(start, end))  # type: ignore[misc]
        .values_list("organization_id")
        .annotate(n=Count("incident_id"))
        .order_by("-n")[:limit]
    )


def response_times(start: datetime, end: datetime) -> dict[str, dict[str, float | int | None]]:
    rows = {
        row["priority"]: row
        for row in incidents(start, end)
        .values("priority")
        .annotate(
            mtta=Avg(elapsed("acknowledged_at"), filter=Q(acknowledged_at__isnull=False)),
            mttr=Avg(elapsed("resolved_at"), filter=Q(resolved_at__isnull=False)),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        )
    }
    figures: dict[str, dict[str, float | int | None]] = {}
    for priority in Priority.values:
        row: dict[str, Any] = dict(rows.get(priority) or {})
        figures[priority] = {
            "mtta": seconds(row.get("mtta")),
            "mttr": seconds(row.get("mttr")),
            "acknowledged": int(row.get("acknowledged", 0)),
            "resolved": int(row.get("resolved", 0)),
        }
    return figures


def _unmet_past(milestone: Milestone, now: datetime) -> Q:
    field = MILESTONE_FIELDS[milestone]
    return Q(**{f"{field}__isnull": True, f"due_{milestone}__lt": now}) & ~Q(
        status=IncidentStatus.CLOSED
    )


def sla_counts(start: datetime, end: datetime, now: datetime) -> dict[str, int]:
    """Per milestone, ``<milestone>_met`` and ``<milestone>_breached`` (met late, or unmet past the
    deadline while open) of the incidents created in the range."""
    rows = incidents(start, end).annotate(
        **{f"due_{milestone}": due(milestone) for milestone in Milestone}
    )
    aggregates: dict[str, Any] = {}
    for milestone, field in MILESTONE_FIELDS.items():
        deadline = F(f"due_{milestone}")
        aggregates[f"{milestone}_met"] = Count("pk", filter=Q(**{f"{field}__lte": deadline}))
        aggregates[f"{milestone}_breached"] = Count(
            "pk", filter=Q(**{f"{field}__gt": deadline}) | _unmet_past(milestone, now)
        )
    return rows.aggregate(**aggregates)


def unmet_past(ranges: dict[Milestone, Q], now: datetime) -> dict[Milestone, int]:
    """Per milestone, the open incidents created within its ``created_at`` ranges whose deadline
    passed unmet before ``now`` (one query for every milestone)."""
    if not ranges:
        return {}
    scope = Q()
    for q in ranges.values():
        scope |= q
    rows = (
        Incident.objects.filter(scope, merged_into__isnull=True)
        .order_by()
        .annotate(**{f"due_{milestone}": due(milestone) for milestone in ranges})
    )
    totals = rows.aggregate(
        **{
            str(milestone): Count("pk", filter=q & _unmet_past(milestone, now))
            for milestone, q in ranges.items()
        }
    )
    return {milestone: int(totals[str(milestone)]) for milestone in ranges}
