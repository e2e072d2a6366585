"""Keeping the incident roll-ups (``IncidentDailyCount``, ``IncidentDailyBreakdown``) exact.

A write marks the local creation days of the incidents it touches (``mark_days``, a row in the
writer's own transaction, so a rolled-back write leaves no mark and a committed one cannot lose
it). The marked days are recomputed from the incidents, one GROUP BY per run of consecutive days,
*after* the commit (``transaction.on_commit``), not inside the writer's transaction: there the
GROUP BY would not see another writer's uncommitted incident of the same day, and whichever of
the two committed last would overwrite the day without the other's incident. After the commit,
recomputations of a day are serialized by a per-day advisory lock (PostgreSQL; SQLite serializes
every writer anyway) and each reads what is committed once it holds the lock. A mark is deleted
by id once its day is recomputed, so a mark written meanwhile survives for the next pass.

Readers call ``refresh`` on their range first: a mark left over (an on-commit hook that failed,
or a test transaction that never commits) is recomputed before the figures are read.

An incident's day is its ``created_at``, which only changes on creation; its class, priority,
constituents, milestones and status change later, and each such save marks the day again.
``rebuild`` recomputes everything, under the same locks (``siaga rebuild_dashboard_rollups``): after bulk loads that
bypass the signals, or after a change of ``SIAGA_SLA_TARGETS`` (the met/late split is stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from siaga.dashboards.models import (
    Breakdown,
    IncidentDailyBreakdown,
    IncidentDailyCount,
    RollupDirtyDay,
)
from siaga.dashboards.slaexpr import MILESTONE_FIELDS, due, elapsed
from siaga.incidents.choices import IncidentStatus
from siaga.incidents.models import Incident

_REFRESHED: ContextVar[set[tuple[date, date]] | None] = ContextVar(
    "rollups_refreshed", default=None
)
DAYS_PER_TRANSACTION = 62  # the advisory locks of one transaction stay few
LOCK_NAMESPACE = 0x51A6A  # the first key of pg_advisory_xact_lock(int, int); the day is the second
BREAKDOWN_PATHS = {
    Breakdown.PROVINCE: "affected_constituents__profile__province",
    Breakdown.CONSTITUENT_KIND: "affected_constituents__constituent_type",
    Breakdown.CONSTITUENT: "affected_constituents",
}


def local_day(moment: datetime) -> date:
    """The day of a moment in the site's time zone (the roll-ups' days)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def midnight(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time()), timezone.get_default_timezone()
    )


# --- Marking ---------------------------------------------------------------------------------------


def mark_days(days: Iterable[date]) -> None:
    """Mark days to recompute, in the caller's transaction; recomputed after its commit."""
    wanted = sorted(set(days))
    if not wanted:
        return
    RollupDirtyDay.objects.bulk_create([RollupDirtyDay(day=day) for day in wanted])
    _refresh_after_commit()


def mark_incidents(incidents: QuerySet[Incident] | Iterable[Incident]) -> None:
    """Mark the creation days of the incidents (a queryset, or instances with ``created_at``)."""
    if isinstance(incidents, QuerySet):
        days: Iterable[date] = (
            incidents.order_by()
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
            .values_list("day", flat=True)
            .distinct()
        )
    else:
        days = [local_day(i.created_at) for i in incidents if i.created_at is not None]
    mark_days(days)


def _refresh_after_commit() -> None:
    # One hook per transaction is enough: it recomputes every mark it finds.
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _refresh_all for entry in pending):
        return
    transaction.on_commit(_refresh_all)


def _refresh_all() -> None:
    refresh()


# --- Recomputing -----------------------------------------------------------------------------------


@contextmanager
def refreshed_once() -> Iterator[None]:
    """Within the block, a range is brought up to date once: a page reading ten figures of one
    period looks for marks once, not ten times."""
    token = _REFRESHED.set(set())
    try:
        yield
    finally:
        _REFRESHED.reset(token)


def refresh(first: date | None = None, after: date | None = None) -> int:
    """Recompute the marked days (of ``[first, after)`` if given); returns how many."""
    done = _REFRESHED.get()
    if done is not None and first is not None and after is not None:
        if (first, after) in done:
            return 0
        done.add((first, after))
    marks = RollupDirtyDay.objects.order_by()
    if first is not None and after is not None:
        marks = marks.filter(day__gte=first, day__lt=after)
    days = sorted(set(marks.values_list("day", flat=True)))
    for start in range(0, len(days), DAYS_PER_TRANSACTION):
        recompute_locked(days[start : start + DAYS_PER_TRANSACTION])
    if days:
        # The writer bumped the figure cache's version before its commit: a reader in between
        # may have cached the old figures under the new version.
        from siaga.dashboards.sector import bump_version

        bump_version()
    return len(days)


def recompute_locked(days: list[date]) -> None:
    """Recompute the days in one transaction under their locks, then drop the marks read before
    (by id: a mark written meanwhile is for a change this pass may not have seen)."""
    with transaction.atomic():
        ids = list(RollupDirtyDay.objects.filter(day__in=days).values_list("pk", flat=True))
        _lock(days)
        recompute(days)
        for start in range(0, len(ids), 1000):
            _delete(RollupDirtyDay.objects.filter(pk__in=ids[start : start + 1000]))


def _delete(rows: QuerySet[Any]) -> None:
    """One DELETE statement: derived rows nobody listens for, while ``QuerySet.delete`` would
    fetch and signal them one by one as soon as any receiver listens to every model."""
    rows._raw_delete(rows.db)


def _lock(days: list[date]) -> None:
    """Serialize recomputations of the same days (in day order, so two never deadlock)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for day in days:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, day.toordinal()]
            )


def runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days as half-open ranges ``[first, after)``."""
    first = previous = None
    for day in sorted(set(days)):
        if previous is not None and day == previous + timedelta(days=1):
            previous = day
            continue
        if first is not None and previous is not None:
            yield first, previous + timedelta(days=1)
        first = previous = day
    if first is not None and previous is not None:
        yield first, previous + timedelta(days=1)


def recompute(days: list[date]) -> None:
    """Replace the roll-up rows of the days with rows computed from the incidents."""
    for start in range(0, len(days), 500):
        chunk = days[start : start + 500]
        _delete(IncidentDailyCount.objects.filter(day__in=chunk))
        _delete(IncidentDailyBreakdown.objects.filter(day__in=chunk))
    for first, after in runs(days):
        write_range(first, after)


def write_range(first: date, after: date) -> None:
    IncidentDailyCount.objects.bulk_create(count_rows(first, after), batch_size=1000)
    IncidentDailyBreakdown.objects.bulk_create(breakdown_rows(first, after), batch_size=1000)


def rebuild() -> int:
    """Recompute every roll-up row from the incidents, ``DAYS_PER_TRANSACTION`` days at a time
    under the same locks as ``refresh`` (so the two may run together); returns the number of days
    that have incidents."""
    bounds = Incident.objects.order_by().aggregate(first=Min("created_at"), last=Max("created_at"))
    if bounds["first"] is None:
        first = last = timezone.localdate()
    else:
        first, last = local_day(bounds["first"]), local_day(bounds["last"])
    with transaction.atomic():  # rows of days without any incident left
        outside = Q(day__lt=first) | Q(day__gt=last)
        _delete(IncidentDailyCount.objects.filter(outside))
        _delete(IncidentDailyBreakdown.objects.filter(outside))
        _delete(RollupDirtyDay.objects.filter(outside))
    day = first
    while bounds["first"] is not None and day <= last:
        after = min(day + timedelta(days=DAYS_PER_TRANSACTION), last + timedelta(days=1))
        recompute_locked([day + timedelta(days=n) for n in range((after - day).days)])
        day = after
    return IncidentDailyCount.objects.values("day").distinct().count()


def _incidents_of(first: date, after: date) -> Any:  # annotated with ``day``
    return (
        Incident.objects.filter(
            created_at__gte=midnight(first),
            created_at__lt=midnight(after),
            merged_into__isnull=True,
        )
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
    )


def _count_aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {
        "n": Count("pk"),
        "n_acknowledged": Count("pk", filter=Q(acknowledged_at__isnull=False)),
        "acknowledge_total": Sum(elapsed("acknowledged_at")),
        "n_resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "resolve_total": Sum(elapsed("resolved_at")),
    }
    for milestone, field in MILESTONE_FIELDS.items():
        deadline = F(f"due_{milestone}")
        waiting = Q(**{f"{field}__isnull": True}) & ~Q(status=IncidentStatus.CLOSED)
        aggregates[f"{milestone}_met"] = Count("pk", filter=Q(**{f"{field}__lte": deadline}))
        aggregates[f"{milestone}_late"] = Count("pk", filter=Q(**{f"{field}__gt": deadline}))
        aggregates[f"{milestone}_waiting"] = Count("pk", filter=waiting)
        aggregates[f"{milestone}_due_min"] = Min(deadline, filter=waiting)
        aggregates[f"{milestone}_due_max"] = Max(deadline, filter=waiting)
    return aggregates


def _microseconds(value: timedelta | int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return int(value)


def count_rows(first: date, after: date) -> list[IncidentDailyCount]:
    rows = (
        _incidents_of(first, after)
        .annotate(**{f"due_{milestone}": due(milestone) for milestone in MILESTONE_FIELDS})
        .values("day", "rsit_class", "priority")
        .annotate(**_count_aggregates())
    )
    result = []
    for row in rows:
        sla = {
            name: row[name]
            for milestone in MILESTONE_FIELDS
            for name in (
                f"{milestone}_met",
                f"{milestone}_late",
                f"{milestone}_waiting",
                f"{milestone}_due_min",
                f"{milestone}_due_max",
            )
        }
        result.append(
            IncidentDailyCount(
                day=row["day"],
                rsit_class=row["rsit_class"],
                priority=row["priority"],
                incidents=row["n"],
                acknowledged=row["n_acknowledged"],
                acknowledge_microseconds=_microseconds(row["acknowledge_total"]),
                resolved=row["n_resolved"],
                resolve_microseconds=_microseconds(row["resolve_total"]),
                **sla,
            )
        )
    return result


def breakdown_rows(first: date, after: date) -> list[IncidentDailyBreakdown]:
    result = []
    for breakdown, path in BREAKDOWN_PATHS.items():
        rows = (
            _incidents_of(first, after)
            .values_list("day", path)
            .annotate(n=Count("pk", distinct=True))
        )
        for day, key, n in rows:
            if key is None and breakdown == Breakdown.CONSTITUENT:
                continue  # the most affected constituents only name constituents
            result.append(
                # An empty key and a missing one both read as unknown; the rows stay apart as
                # the direct query's groups do, so a sum over them counts what it counts.
                IncidentDailyBreakdown(
                    day=day, breakdown=breakdown, key="" if key is None else str(key), incidents=n
                )
            )
    return result
