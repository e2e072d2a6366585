"""The figures of a sector report, taken once and kept as JSON (``SectorReport.snapshot``).

Everything here is queried for a period and written with codes and numbers only (RSIT classes,
priorities, answers), so the report can be shown in either language later; the few labels only
other apps can translate (assessment maturity, risk levels) are taken in both languages now.
No permission checks: the callers (actions) check theirs. Counts use ``GROUP BY`` queries; the
response times read two timestamps per incident of the period (a few thousand rows a quarter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone, translation

from siaga.advisories.choices import Answer
from siaga.advisories.models import Advisory, AdvisoryRecipient
from siaga.events.models import EventDailyCount
from siaga.incidents.choices import ClockStatus, Priority
from siaga.incidents.models import Incident, LegalClock
from siaga.incidents.taxonomy import RsitClass
from siaga.reports import periods
from siaga.reports.periods import Period

VERSION = 1
LANGUAGES = ("id", "en")


def incidents_in(period: Period) -> QuerySet[Incident]:
    """Incidents reported in the period (merged duplicates left out): the time the CERT was told,
    else when the incident was opened."""
    return (
        Incident.objects.filter(merged_into__isnull=True)
        .annotate(reported=Coalesce("reported_at", "created_at"))
        .filter(reported__gte=period.start_at, reported__lt=period.end_at)
    )


def _counts(queryset: QuerySet[Incident], field: str) -> dict[str, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk"))
    return {row[field] or "": row["n"] for row in rows}


def _with_previous(codes: list[str], now: dict[str, int], before: dict[str, int]) -> list[Any]:
    known = [code for code in codes if now.get(code) or before.get(code)]
    extra = sorted((set(now) | set(before)) - set(codes))
    return [
        {"code": code, "count": now.get(code, 0), "previous": before.get(code, 0)}
        for code in known + extra
    ]


def incident_figures(period: Period) -> dict[str, Any]:
    current, previous = incidents_in(period), incidents_in(period.previous())
    classes = [str(code) for code in RsitClass.values]
    return {
        "total": current.count(),
        "previous_total": previous.count(),
        "by_class": _with_previous(
            classes, _counts(current, "rsit_class"), _counts(previous, "rsit_class")
        ),
        "by_priority": _with_previous(
            list(Priority.values), _counts(current, "priority"), _counts(previous, "priority")
        ),
    }


def monthly_incidents(period: Period) -> list[dict[str, Any]]:
    """Incidents per month over the twelve months ending with the period (four quarters)."""
    months = period.trailing_months(12)
    span = Period(periods.MONTHLY, months[0].start, months[-1].end)
    rows = (
        incidents_in(span)
        .annotate(month=Trunc("reported", "month", tzinfo=periods.cert_zone()))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    found = {_month_key(row["month"]): row["n"] for row in rows}
    return [{"month": month.key(), "count": found.get(month.key(), 0)} for month in months]


def _month_key(value: Any) -> str:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = value.astimezone(periods.cert_zone())
    return f"{value:%Y-%m}"


def _mean_hours(pairs: list[tuple[datetime | None, datetime | None]]) -> float | None:
    spans = [
        (end - start).total_seconds() for start, end in pairs if start and end and end >= start
    ]
    return round(sum(spans) / len(spans) / 3600, 1) if spans else None


def response_figures(period: Period) -> dict[str, Any]:
    """Mean time to acknowledge and to resolve (hours) of the period's incidents."""
    # "reported" is annotated by incidents_in (the stubs cannot follow the annotation).
    fields = ("reported", "acknowledged_at", "resolved_at")
    rows = list(incidents_in(period).values_list(*fields))
    return {
        "mtta_hours": _mean_hours([(row[0], row[1]) for row in rows]),
        "mttr_hours": _mean_hours([(row[0], row[2]) for row in rows]),
        "acknowledged": sum(1 for row in rows if row[1]),
        "resolved": sum(1 for row in rows if row[2]),
    }


def legal_clock_figures(period: Period, now: datetime) -> dict[str, int]:
    """The legal clocks due in the period: notices sent in time, late or not at all."""
    clocks = LegalClock.objects.filter(due_at__gte=period.start_at, due_at__lt=period.end_at)
    sent = Q(status=ClockStatus.SENT)
    result = clocks.aggregate(
        met=Count("pk", filter=sent & Q(sent_at__lte=F("due_at"))),
        late=Count("pk", filter=sent & Q(sent_at__gt=F("due_at"))),
        missed=Count("pk", filter=Q(status=ClockStatus.RUNNING, due_at__lt=now)),
        running=Count("pk", filter=Q(status=ClockStatus.RUNNING, due_at__gte=now)),
        waived=Count("pk", filter=Q(status=ClockStatus.WAIVED)),
    )
    return {key: int(value or 0) for key, value in result.items()}


def event_figures(period: Period) -> list[dict[str, Any]]:
    """Feed events by classification (taxonomy), from the daily roll-ups."""
    rows = (
        EventDailyCount.objects.filter(day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("classification_taxonomy")
        .annotate(events=Sum("events"), findings=Sum("findings"))
        .order_by("-findings", "classification_taxonomy")
    )
    return [
        {
            "code": row["classification_taxonomy"],
            "events": int(row["events"] or 0),
            "findings": int(row["findings"] or 0),
        }
        for row in rows
    ]


def advisory_figures(period: Period) -> dict[str, Any]:
    """Advisories first published in the period, and how their recipients answered."""
    published = Advisory.objects.filter(
        first_published_at__gte=period.start_at, first_published_at__lt=period.end_at
    )
    recipients = AdvisoryRecipient.objects.filter(advisory__in=published)
    answers = {
        row["answer"]: row["n"]
        for row in recipients.order_by().values("answer").annotate(n=Count("pk"))
    }
    total = sum(answers.values())
    answered = total - answers.get("", 0)
    return {
        "published": published.count(),
        "recipients": total,
        "answered": answered,
        "answer_rate": round(100 * answered / total, 1) if total else None,
        "by_answer": [{"code": code, "count": answers.get(code, 0)} for code in Answer.values],
    }


def _in_languages[T](make: Callable[[], T]) -> dict[str, T]:
    """``make()`` once per language, for labels other apps translate."""
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = make()
    return result


def assessment_summary() -> Any:
    """The assessments app's summary module (its interface: ``accepted_results``,
    ``organization_trend``), or None while it is not installed."""
    try:
        from siaga.assessments import summary
    except ImportError:
        return None
    return summary


def assessment_figures(period: Period) -> list[dict[str, Any]]:
    """Assessment results accepted in the period, each with the change from the constituent's
    previous result of the same framework."""
    summary = assessment_summary()
    if summary is None:
        return []
    labelled = _in_languages(lambda: summary.accepted_results(period.start_at, period.end_at))
    rows = []
    for index, result in enumerate(labelled["en"]):
        previous = _previous_score(summary, result)
        rows.append(
            {
                "organization_id": result.organization_id,
                "organization": result.organization_name,
                "framework": result.framework_name,
                "campaign": result.campaign_name,
                "accepted_at": result.accepted_at.isoformat(),
                "score": round(float(result.score_percent), 1),
                "maturity": {lang: str(labelled[lang][index].maturity) for lang in LANGUAGES},
                "previous_score": previous,
                "change": None if previous is None else round(result.score_percent - previous, 1),
            }
        )
    return rows


def _previous_score(summary: Any, result: Any) -> float | None:
    earlier = [
        item
        for item in summary.organization_trend(result.organization_id)
        if item.framework_name == result.framework_name and item.accepted_at < result.accepted_at
    ]
    return round(float(earlier[-1].score_percent), 1) if earlier else None


def risk_figures() -> dict[str, Any] | None:
    """The heat map of the sector-level risks (the coordination group's register, no
    organization) still active, by residual rating, as it stands at generation."""
    try:
        from siaga.risks import summary
        from siaga.risks.choices import ACTIVE_STATUSES
        from siaga.risks.models import Risk
    except ImportError:  # the risks app is not installed yet
        return None
    sector = Risk.objects.filter(organization__isnull=True, status__in=list(ACTIVE_STATUSES))
    maps = _in_languages(lambda: summary.heat_map(sector, rating="residual"))
    return {
        "cells": maps["en"].cells,
        "impact_labels": {lang: [str(x) for x in maps[lang].impact_labels] for lang in LANGUAGES},
        "likelihood_labels": {
            lang: [str(x) for x in maps[lang].likelihood_labels] for lang in LANGUAGES
        },
    }


def build_snapshot(period: Period, *, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the report for ``period``, as JSON-able data."""
    now = now or timezone.now()
    return {
        "version": VERSION,
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "key": period.key(),
        },
        "taken_at": now.isoformat(),
        "incidents": incident_figures(period),
        "monthly": monthly_incidents(period),
        "response": response_figures(period),
        "legal_clocks": legal_clock_figures(period, now),
        "events": event_figures(period),
        "advisories": advisory_figures(period),
        "assessments": assessment_figures(period),
        "risks": risk_figures(),
    }
