"""Pages of feed events: the list with its filters, one event, and the export as IntelMQ JSON lines.

Views parse input, call ``filters`` / ``export`` and render. Every page gets its rows from
``Event.objects.restrict(user, "view")``: the CERT and its auditors see every event, a constituent
its own; an event outside that is a 404.

The list never counts: the table holds tens of millions of rows, and ``COUNT(*)`` would cost more
than the page. It pages by keyset on its order — newest stored first, by id: the primary key's index
gives that order at once, where sorting by time would read the whole table (its time index is a
BRIN, which does not order), and feeds arrive in their own time order anyway — a page reads ``PAGE_SIZE + 1`` rows after (or before) the last row shown, so "Next" exists when
the extra row does, and a deep page costs what the first does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID
from siaga.events import export
from siaga.events.choices import Severity
from siaga.events.filters import EventFilterForm, StatisticsPeriodForm
from siaga.events.models import Event
from siaga.events.rollups import Count, default_period, sector_statistics
from siaga.feeds.correlating import matching_indicators
from siaga.feeds.harmonized import EXTRA_PREFIX

PAGE_SIZE = 50
_CURSOR = re.compile(r"^(?P<pk>[0-9]{1,19})$")
SEVERITY_BADGES: dict[int, str] = {
    Severity.LOW: "badge-info",
    Severity.MEDIUM: "badge-warning",
    Severity.HIGH: "badge-danger",
    Severity.CRITICAL: "badge-danger",
}


@dataclass(frozen=True)
class Cursor:
    """A place in the list's order: an event's id, as written in links."""

    pk: int

    @classmethod
    def of(cls, event: Event) -> Cursor:
        return cls(event.pk)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor of a link, or ``None`` for a missing or malformed one (the first page)."""
        match = _CURSOR.match(text or "")
        if match is None or not 1 <= int(match["pk"]) <= MAX_ID:
            return None
        return cls(int(match["pk"]))

    def __str__(self) -> str:
        return str(self.pk)

    def later(self) -> Q:
        """Rows before this place in the list (stored later)."""
        return Q(pk__gt=self.pk)

    def earlier(self) -> Q:
        """Rows after this place in the list."""
        return Q(pk__lt=self.pk)


@dataclass
class EventPage:
    events: list[Event]
    next_cursor: Cursor | None
    previous_cursor: Cursor | None
    is_first: bool


def page_of(events: QuerySet, *, after: Cursor | None, before: Cursor | None) -> EventPage:
    """``PAGE_SIZE`` events after ``after`` (or before ``before``), and where the neighbours start."""
    if before is not None:
        # Walk back up the list: oldest first from the cursor, then turned around.
        rows = list(events.filter(before.later()).order_by("pk")[: PAGE_SIZE + 1])
        has_previous, has_next = len(rows) > PAGE_SIZE, True
        rows = rows[:PAGE_SIZE][::-1]
    else:
        if after is not None:
            events = events.filter(after.earlier())
        rows = list(events.order_by("-pk")[: PAGE_SIZE + 1])
        has_previous, has_next = after is not None, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    return EventPage(
        events=rows,
        next_cursor=Cursor.of(rows[-1]) if has_next and rows else None,
        previous_cursor=Cursor.of(rows[0]) if has_previous and rows else None,
        is_first=not has_previous,
    )


def _page_link(filters: dict[str, str], name: str, cursor: Cursor | None) -> str | None:
    if cursor is None:
        return None
    return "?" + urlencode({**filters, name: str(cursor)})


def _list_url(filters: dict[str, str]) -> str:
    return reverse("events:list") + ("?" + urlencode(filters) if filters else "")


def _export_url(filters: dict[str, str]) -> str:
    return reverse("events:export") + ("?" + urlencode(filters) if filters else "")


def _visible_events(request: HttpRequest) -> QuerySet:
    return Event.objects.restrict(request.user, "view")


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("event.view"):
        raise PermissionDenied
    filters = EventFilterForm(request.GET, user=request.user)
    return _render_list(request, filters)


def _render_list(request: HttpRequest, filters: EventFilterForm, status: int = 200) -> HttpResponse:
    events = filters.apply(_visible_events(request)).select_related("constituent")
    page = page_of(
        events,
        after=Cursor.parse(request.GET.get("after")),
        before=None if request.GET.get("after") else Cursor.parse(request.GET.get("before")),
    )
    for event in page.events:
        event.severity_badge = SEVERITY_BADGES.get(event.severity, "badge-info")  # type: ignore[attr-defined]
    active = filters.active_filters()
    principal = principal_for(request.user)
    context = {
        "filters": filters,
        "events": page.events,
        "next_url": _page_link(active, "after", page.next_cursor),
        "previous_url": _page_link(active, "before", page.previous_cursor),
        "first_url": None if page.is_first else _list_url(active),
        "show_constituent": principal.scopes("event.view").all,
        "export_url": _export_url(active) if principal.has_perm("event.export") else None,
    }
    return render(request, "events/list.html", context, status=status)


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(_visible_events(request).select_related("constituent"), pk=pk)
    fields = export.event_fields(event)
    context = {
        "event": event,
        "severity_badge": SEVERITY_BADGES.get(event.severity, "badge-info"),
        "fields": [
            (name, *shown(value))
            for name, value in fields.items()
            if not name.startswith(EXTRA_PREFIX)
        ],
        "extra": [
            (name.removeprefix(EXTRA_PREFIX), *shown(value))
            for name, value in fields.items()
            if name.startswith(EXTRA_PREFIX)
        ],
        "first_seen": event.time_source or event.time_observation,
        "report_url": _report_url(request, event),
        # Only the indicators this viewer may see: the flag itself says just "some match".
        "indicators": list(matching_indicators(request.user, event)),
    }
    return render(request, "events/detail.html", context)


def shown(value: Any) -> tuple[str, bool]:
    """A field's value as text for the page (text as it is, anything else as JSON writes it), and
    whether it is a block of several lines."""
    if isinstance(value, str):
        return value, "\n" in value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str), True
    return json.dumps(value, ensure_ascii=False, default=str), False


def _report_url(request: HttpRequest, event: Event) -> str | None:
    """The feed report the event came from, for users who may see feed reports."""
    if event.report_id is None or not principal_for(request.user).has_perm("feedreport.view"):
        return None
    if not Event.report.field.related_model._default_manager.filter(pk=event.report_id).exists():
        return None  # removed by retention (an event observed later than its report's receipt)
    try:
        return reverse("feeds:report-detail", args=[event.report_id])
    except NoReverseMatch:  # the feeds pages are not installed
        return None


@login_required
@require_GET
def event_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered events as IntelMQ JSON lines, streamed; needs ``event.export``. Audited."""
    if not principal_for(request.user).has_perm("event.export"):
        raise PermissionDenied
    filters = EventFilterForm(request.GET, user=request.user)
    if filters.is_bound and not filters.is_valid():
        return _render_list(request, filters, status=400)
    events = filters.apply(_visible_events(request))
    lines = export.check_export_events(request.user, events, filters.active_filters())
    return jsonl_response(lines, "events")


def jsonl_response(chunks: Any, stem: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=export.CONTENT_TYPE)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.jsonl"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Sector statistics -------------------------------------------------------------------------------

# The per-day chart: an inline SVG drawn here, so the page needs no script and no CDN.
CHART_HEIGHT = 160
CHART_BAR_WIDTH = 12
CHART_GAP = 2


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Sector statistics from the daily roll-ups (``siaga.events.rollups``), for the CERT: the
    page needs ``feedreport.view``, which only the CERT's staff and auditors hold, in full."""
    if not principal_for(request.user).has_perm("feedreport.view"):
        raise PermissionDenied
    form = StatisticsPeriodForm(request.GET, default=default_period())
    first, last = form.period()
    numbers = sector_statistics(first, last)
    context = {
        "form": form,
        "stats": numbers,
        "chart": bar_chart(numbers.days),
        "list_url": reverse("events:list"),
        "period_query": urlencode({"time_from": first.isoformat(), "time_to": last.isoformat()}),
    }
    return render(request, "events/statistics.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    day: Count


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    largest: int


def bar_chart(days: list[Count]) -> BarChart:
    """Bars of the findings per day, scaled to the largest day (a day with any gets a visible bar)."""
    largest = max((day.findings for day in days), default=0)
    step = CHART_BAR_WIDTH + CHART_GAP
    bars = []
    for position, day in enumerate(days):
        height = round(day.findings * CHART_HEIGHT / largest) if largest else 0
        if day.findings and not height:
            height = 1
        bars.append(Bar(position * step, CHART_HEIGHT - height, height, day))
    return BarChart(max(step * len(days), step), CHART_HEIGHT, bars, largest)
