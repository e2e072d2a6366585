"""The sector's figures: small named queries over ``[start, end)``, shared by the dashboard pages,
the API and the sector report.

Pure queries: no request, no user, no permission check (the callers check theirs: the sector
figures are for holders of ``dashboard.view_sector``). Arguments are aware datetimes; labels come
back translated in the active language. Incidents count from their creation and merged duplicates
are left out (they live on in the incident they were merged into). Both read daily roll-ups, never
the big tables: incidents ``IncidentDailyCount`` and ``IncidentDailyBreakdown`` (kept exact by
``siaga.dashboards.rollups``; a range that does not run from one local midnight to another falls
back to the direct queries of ``siaga.dashboards.direct``), feed events ``EventDailyCount``, so a
year of 100,000 incidents and ten million events costs a few ten thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from siaga.dashboards import direct
from siaga.dashboards.labels import (
    TOP,
    class_label,
    constituent_kind_labels,
    province_labels,
    ranked,
    seconds,
    type_label,
    unknown,
)
from siaga.dashboards.models import Breakdown, IncidentDailyBreakdown, IncidentDailyCount
from siaga.dashboards.periods import buckets
from siaga.dashboards.rollups import local_day, midnight, refresh
from siaga.dashboards.sla import sla_counts
from siaga.events.models import EventDailyCount
from siaga.incidents.choices import ClockStatus, IncidentStatus, Priority
from siaga.incidents.models import Incident, LegalClock
from siaga.incidents.slas import Milestone
from siaga.incidents.taxonomy import RsitClass

__all__ = ["class_label", "type_label", "unknown"]  # re-exported: callers label rows too
_ranked = ranked


def span(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The local days ``[first, after)`` of a range running from one local midnight to another,
    their roll-ups brought up to date; None for any other range (read directly then)."""
    first, after = local_day(start), local_day(end)
    if midnight(first) != start or midnight(after) != end:
        return None
    refresh(first, after)
    return first, after


def _counts(days: tuple[date, date]) -> QuerySet[IncidentDailyCount]:
    return IncidentDailyCount.objects.filter(day__gte=days[0], day__lt=days[1]).order_by()


# --- Incidents ------------------------------------------------------------------------------------


def incident_days_by_class(start: datetime, end: datetime) -> list[tuple[date, str, int]]:
    """(local day, RSIT class, incidents): one GROUP BY that feeds both the totals and the chart."""
    days = span(start, end)
    if days is None:
        return direct.incident_days_by_class(start, end)
    rows = _counts(days).values_list("day", "rsit_class").annotate(n=Sum("incidents"))
    return [(day, rsit_class, int(n)) for day, rsit_class, n in rows]


def _labelled_totals(pairs: Iterable[tuple[str, int]], label: Any) -> list[tuple[str, int]]:
    """Sums per raw value, then per label: one label lookup per value, not per row."""
    raw: dict[str, int] = defaultdict(int)
    for key, n in pairs:
        raw[key] += n
    totals: dict[str, int] = defaultdict(int)
    for key, n in raw.items():
        totals[label(key)] += n
    return ranked(totals)


def class_totals(days: Iterable[tuple[date, str, int]]) -> list[tuple[str, int]]:
    return _labelled_totals(((rsit_class, n) for _day, rsit_class, n in days), class_label)


def class_series(
    start: datetime, end: datetime, days: Iterable[tuple[date, str, int]], unit: str | None = None
) -> tuple[list[str], dict[str, list[int]]]:
    """Incidents per bucket (day, week or month) and RSIT class, the classes in taxonomy order."""
    cut = buckets(start, end, unit)
    series: dict[str, list[int]] = {}
    found: dict[str, list[int]] = defaultdict(lambda: [0] * len(cut.starts))
    for day, rsit_class, n in days:
        index = cut.index(day)
        if index is not None:
            found[rsit_class][index] += n
    for value in [*RsitClass.values, *sorted(set(found) - set(RsitClass.values))]:
        if value in found:
            series[class_label(value)] = found[value]
    return cut.labels(), series


def incidents_by_class(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """(RSIT class label, incidents), most first."""
    return class_totals(incident_days_by_class(start, end))


def incidents_by_month(start: datetime, end: datetime) -> tuple[list[str], dict[str, list[int]]]:
    """Month labels and, per RSIT class label, the incidents of each month."""
    return class_series(start, end, incident_days_by_class(start, end), "month")


def incidents_over_time(start: datetime, end: datetime) -> tuple[list[str], dict[str, list[int]]]:
    """Like ``incidents_by_month`` but by day, week or month depending on the period's length."""
    return class_series(start, end, incident_days_by_class(start, end))


def incidents_by_priority(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """(priority label, incidents) for P1 to P4, zeros included."""
    days = span(start, end)
    if days is None:
        counts = direct.priority_counts(start, end)
    else:
        counts = dict(_counts(days).values_list("priority").annotate(n=Sum("incidents")))
    return [(str(p.label), int(counts.get(p.value, 0))) for p in Priority]


def _breakdown(days: tuple[date, date], breakdown: Breakdown) -> QuerySet[IncidentDailyBreakdown]:
    return IncidentDailyBreakdown.objects.filter(
        breakdown=breakdown, day__gte=days[0], day__lt=days[1]
    ).order_by()


def _by_constituent_field(
    start: datetime, end: datetime, breakdown: Breakdown, path: str, labels: dict[str, Any]
) -> list[tuple[str, int]]:
    """Incidents per property of the affected constituents; an incident affecting two provinces
    counts once in each, and one affecting none counts as unknown."""
    days = span(start, end)
    if days is None:
        counts = direct.constituent_field_counts(start, end, path)
    else:
        rows = _breakdown(days, breakdown).values_list("key").annotate(n=Sum("incidents"))
        counts = {key: int(n) for key, n in rows}
    return ranked(direct.labelled(counts, labels))


def incidents_by_province(start: datetime, end: datetime) -> list[tuple[str, int]]:
    return _by_constituent_field(
        start, end, Breakdown.PROVINCE, "profile__province", province_labels()
    )


def incidents_by_constituent_kind(start: datetime, end: datetime) -> list[tuple[str, int]]:
    return _by_constituent_field(
        start, end, Breakdown.CONSTITUENT_KIND, "constituent_type", constituent_kind_labels()
    )


def _mean(total: Any, count: int) -> float | None:
    """Mean seconds of a sum of microseconds, rounded as the direct query's average is."""
    return seconds(timedelta(microseconds=int(total) / count)) if count else None


def response_times(start: datetime, end: datetime) -> dict[str, dict[str, float | int | None]]:
    """Per priority (P1..P4): ``mtta``/``mttr`` (mean seconds from creation to acknowledgement /
    resolution, None without any) and how many incidents were acknowledged / resolved."""
    days = span(start, end)
    if days is None:
        return direct.response_times(start, end)
    rows = {
        row["priority"]: row
        for row in _counts(days)
        .values("priority")
        .annotate(
            n_acknowledged=Sum("acknowledged"),
            acknowledge_total=Sum("acknowledge_microseconds"),
            n_resolved=Sum("resolved"),
            resolve_total=Sum("resolve_microseconds"),
        )
    }
    figures: dict[str, dict[str, float | int | None]] = {}
    for priority in Priority.values:
        row: dict[str, Any] = dict(rows.get(priority) or {})
        acknowledged, resolved = (
            int(row.get("n_acknowledged") or 0),
            int(row.get("n_resolved") or 0),
        )
        figures[priority] = {
            "mtta": _mean(row.get("acknowledge_total"), acknowledged),
            "mttr": _mean(row.get("resolve_total"), resolved),
            "acknowledged": acknowledged,
            "resolved": resolved,
        }
    return figures


def sla_compliance(
    start: datetime, end: datetime, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Per SLA milestone, of the incidents created in the period: ``met`` in time, ``breached``
    (met late, or still unmet past the deadline while open) and ``percent`` met of the two.

    The same rule as ``siaga.incidents.slas.state_of``."""
    now = now or timezone.now()
    days = span(start, end)
    totals = direct.sla_counts(start, end, now) if days is None else sla_counts(_counts(days), now)
    result = []
    for milestone in Milestone:
        met_n, breached_n = totals[f"{milestone}_met"], totals[f"{milestone}_breached"]
        decided = met_n + breached_n
        result.append(
            {
                "milestone": milestone.value,
                "label": milestone.label,
                "met": met_n,
                "breached": breached_n,
                "percent": round(100 * met_n / decided, 1) if decided else None,
            }
        )
    return result


@dataclass(frozen=True)
class OpenClock:
    incident_id: int
    reference: str
    title: str
    kind: str
    due_at: datetime
    overdue: bool


def open_legal_clocks(now: datetime | None = None, limit: int = 50) -> list[OpenClock]:
    """Running legal clocks, the earliest deadline (so the overdue ones) first."""
    now = now or timezone.now()
    clocks = (
        LegalClock.objects.filter(status=ClockStatus.RUNNING)
        .select_related("incident")
        .only("kind", "due_at", "incident__reference", "incident__title")
        .order_by("due_at", "pk")[:limit]
    )
    return [
        OpenClock(
            clock.incident_id,
            clock.incident.reference,
            clock.incident.title,
            str(clock.get_kind_display()),
            clock.due_at,
            clock.due_at < now,
        )
        for clock in clocks
    ]


# --- Feed events (roll-ups) -----------------------------------------------------------------------


def rollups(start: datetime, end: datetime) -> QuerySet[EventDailyCount]:
    """Roll-up rows of the local days in ``[start, end)``."""
    first = timezone.localtime(start).date()
    after = timezone.localtime(end).date()
    return EventDailyCount.objects.filter(day__gte=first, day__lt=after).order_by()


def event_days(
    start: datetime, end: datetime, constituent_id: int | None = None
) -> list[tuple[date, str, str, int]]:
    """(day, RSIT class, RSIT type, events) of the roll-ups: one GROUP BY feeding both the
    by-type totals and the chart over time; one constituent's only if given."""
    counts = rollups(start, end)
    if constituent_id is not None:
        counts = counts.filter(constituent_id=constituent_id)
    rows = counts.values_list("day", "classification_taxonomy", "classification_type").annotate(
        n=Sum("events")
    )
    return [(day, taxonomy, kind, int(n or 0)) for day, taxonomy, kind, n in rows]


def type_totals(days: Iterable[tuple[date, str, str, int]]) -> list[tuple[str, int]]:
    return _labelled_totals(((kind, n) for _day, _taxonomy, kind, n in days), type_label)


def taxonomy_series(
    start: datetime, end: datetime, days: Iterable[tuple[date, str, str, int]]
) -> tuple[list[str], dict[str, list[int]]]:
    return class_series(start, end, ((day, taxonomy, n) for day, taxonomy, _kind, n in days))


def events_by_classification(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """(RSIT type label, events), most first."""
    return type_totals(event_days(start, end))


def events_over_time(
    start: datetime, end: datetime, constituent_id: int | None = None
) -> tuple[list[str], dict[str, list[int]]]:
    """Events per bucket and RSIT class (``classification_taxonomy``); one constituent's if given."""
    return taxonomy_series(start, end, event_days(start, end, constituent_id))


@dataclass(frozen=True)
class AffectedConstituent:
    organization_id: int
    name: str
    incidents: int
    events: int


def _incidents_by_constituent(start: datetime, end: datetime, limit: int) -> dict[int, int]:
    days = span(start, end)
    if days is None:
        return direct.constituent_incident_counts(start, end, limit)
    rows = (
        _breakdown(days, Breakdown.CONSTITUENT)
        .values_list("key")
        .annotate(n=Sum("incidents"))
        .order_by("-n")[:limit]
    )
    return {int(key): int(n) for key, n in rows if key}


def most_affected_constituents(
    start: datetime, end: datetime, limit: int = TOP
) -> list[AffectedConstituent]:
    """The constituents with most incidents and feed events in the period (incidents weigh first)."""
    from siaga.organizations.models import Organization

    by_incidents = _incidents_by_constituent(start, end, limit * 3)
    by_events = dict(
        rollups(start, end)
        .filter(constituent__isnull=False)
        .values_list("constituent_id")
        .annotate(n=Sum("events"))
        .order_by("-n")[: limit * 3]
    )
    ids = set(by_incidents) | set(by_events)
    names = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [
        AffectedConstituent(
            pk,
            names.get(pk) or gettext("Removed organization %(id)s") % {"id": pk},
            int(by_incidents.get(pk, 0)),
            int(by_events.get(pk, 0) or 0),
        )
        for pk in ids
    ]
    rows.sort(key=lambda row: (-row.incidents, -row.events, row.name))
    return rows[:limit]


# --- Advisories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRate:
    advisory_id: int
    tracking_id: str
    title: str
    sent: int
    answered: int

    @property
    def percent(self) -> float:
        return round(100 * self.answered / self.sent, 1) if self.sent else 0.0


def advisory_answer_rates(start: datetime, end: datetime, limit: int = TOP) -> list[AnswerRate]:
    """Per advisory sent in the period (the recipients' ``notified_at``): recipients it was sent to
    and how many answered, the advisories sent to most recipients first."""
    from django.utils.translation import get_language

    from siaga.advisories.models import AdvisoryRecipient

    title = (
        "advisory__title_en" if (get_language() or "id").startswith("en") else "advisory__title_id"
    )
    other = "advisory__title_id" if title.endswith("_en") else "advisory__title_en"
    rows = (
        AdvisoryRecipient.objects.filter(notified_at__gte=start, notified_at__lt=end)
        .values("advisory_id", "advisory__tracking_id", title, other)
        .annotate(sent=Count("pk"), answered=Count("pk", filter=~Q(answer="")))
        .order_by("-sent", "advisory__tracking_id")[:limit]
    )
    return [
        AnswerRate(
            row["advisory_id"],
            row["advisory__tracking_id"],
            row[title] or row[other],
            row["sent"],
            row["answered"],
        )
        for row in rows
    ]


# --- One constituent (the callers pass the rows the viewer may see) -------------------------------


def constituent_incidents(
    visible: QuerySet[Incident], organization_id: int, start: datetime, end: datetime
) -> dict[str, Any]:
    """Of the visible incidents affecting (or shared with) the organization: how many are open
    now, created and closed in the period, and the period's incidents by RSIT type."""
    mine = visible.filter(Incident.restrict_org_q(frozenset({organization_id}))).order_by()
    in_period = Q(created_at__gte=start, created_at__lt=end)
    counts = mine.aggregate(
        open=Count("pk", filter=~Q(status=IncidentStatus.CLOSED)),
        created=Count("pk", filter=in_period),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
    )
    by_type: dict[str, int] = defaultdict(int)
    for kind, n in mine.filter(in_period).values_list("rsit_type").annotate(n=Count("pk")):
        by_type[type_label(kind)] += n
    return {**counts, "by_type": ranked(by_type)}


def constituent_events(organization_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The organization's feed events of the period: by type and over time (roll-ups only)."""
    days = event_days(start, end, organization_id)
    return {"by_type": type_totals(days), "over_time": taxonomy_series(start, end, days)}


def open_findings_by_severity(
    visible: QuerySet[Any], organization_id: int
) -> list[tuple[str, int]]:
    """Open exposure findings of the organization by CVSS severity, most severe first."""
    from siaga.exposures.choices import OPEN_STATUSES
    from siaga.vulns.choices import CvssSeverity

    counts = dict(
        visible.filter(organization_id=organization_id, status__in=list(OPEN_STATUSES))
        .order_by()
        .values_list("cvss_severity")
        .annotate(n=Count("pk"))
    )
    order = [
        CvssSeverity.CRITICAL,
        CvssSeverity.HIGH,
        CvssSeverity.MEDIUM,
        CvssSeverity.LOW,
        CvssSeverity.NONE,
    ]
    rows = [(str(level.label), int(counts.get(level.value, 0))) for level in order]
    if counts.get(""):
        rows.append((unknown(), int(counts[""])))
    return rows
