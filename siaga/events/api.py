"""API of feed events: the list with the page's filters, one event, and the IntelMQ JSON-lines export.

An event is answered with its IntelMQ fields in one flat object, ``fields`` (``"source.ip"``,
``"extra.tag"`` ...: dotted names as keys, never nested), and Siaga's own facts beside it: the
constituent, severity, how often it was seen and the report it came from.

The list pages with ``?limit=&offset=`` like every list, but answers without ``count``: counting a
table of tens of millions of rows for each page would cost more than the page. It reads one row more
than asked for, and ``next`` is a link when that row exists (``UncountedPage``).
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PaginationBase, paginate
from pydantic import Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, ObjectId, PageParams, Text, _page_url, optional
from siaga.events import export
from siaga.events.filters import MAX_FEED_LENGTH, MAX_SEARCH_LENGTH, check_period, filter_events
from siaga.events.models import Event
from siaga.events.rollups import Count, SectorStatistics, default_period, sector_statistics
from siaga.events.views import jsonl_response
from siaga.feeds.correlating import matching_indicators
from siaga.incidents.taxonomy import RsitType
from siaga.intel.models import Indicator

router = Router(tags=["events"])

EXPORT_RESPONSES = {
    "responses": {
        200: {
            "description": "One event per line as a flat JSON object with IntelMQ's field names "
            "(JSON lines), in the order the events were stored.",
            "content": {export.CONTENT_TYPE: {"schema": {"type": "string"}}},
        }
    }
}


class UncountedPageOutput(Schema):
    next: str | None
    previous: str | None
    results: list[Any]


class UncountedPage(PaginationBase):
    """``?limit=&offset=``, answered with links to the neighbouring pages and ``results``, no count."""

    items_attribute = "results"
    Input = PageParams  # type: ignore[assignment]
    Output = UncountedPageOutput  # type: ignore[assignment]  # its own name in the API document

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit, offset = pagination.limit, pagination.offset
        rows = list(queryset[offset : offset + limit + 1])  # one more: is there a next page?
        has_next = len(rows) > limit
        return {
            "next": _page_url(request, limit, offset + limit) if has_next else None,
            "previous": _page_url(request, limit, max(0, offset - limit)) if offset else None,
            "results": rows[:limit],
        }


class EventFilter(Schema):
    q: Text = optional(
        max_length=MAX_SEARCH_LENGTH,
        description="An IP address (source.ip is it), a network in CIDR notation (source.ip is "
        "inside it; at most 65,536 addresses on SQLite installations), or other text (part of "
        "source.fqdn, source.reverse_dns or source.url).",
    )
    constituent: int = optional(ge=1, le=MAX_ID, description="The constituent's organization id.")
    classification_type: RsitType = optional(description="The RSIT type (classification.type).")
    feed: Text = optional(max_length=MAX_FEED_LENGTH, description="Part of the feed's name.")
    severity: int = optional(
        ge=1, le=4, description="The least severity: 1 low, 2 medium, 3 high, 4 critical."
    )
    time_from: date = optional(description="Observed on or after this day (time.observation).")
    time_to: date = optional(description="Observed on or before this day (time.observation).")
    intel_matched: bool = optional(
        description="true: only events whose address, host or URL was an active indicator of the "
        "intelligence store when stored; false: only the others."
    )

    def as_filters(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ConstituentRef(Schema):
    id: int
    name: str


class EventOut(Schema):
    id: int
    fields: dict[str, Any] = Field(
        description="The IntelMQ fields with a value, by their dotted names (source.ip, "
        "classification.type, extra.<key> ...); time.* in ISO 8601 (UTC)."
    )
    constituent: ConstituentRef | None
    severity: int = Field(description="1 low, 2 medium, 3 high, 4 critical.")
    count: int = Field(description="How often the finding was reported within the window.")
    last_seen: datetime
    report_id: int | None = Field(description="The feed report the event came from.")
    intel_matched: bool = Field(
        description="Its address, host or URL was an active indicator of the intelligence store "
        "when it was stored (whoever may see that indicator)."
    )

    @staticmethod
    def resolve_fields(obj: Event) -> dict[str, Any]:
        return export.event_fields(obj)

    @staticmethod
    def resolve_constituent(obj: Event) -> dict[str, Any] | None:
        if obj.constituent is None:
            return None
        return {"id": obj.constituent.pk, "name": obj.constituent.name}


class EventIndicatorOut(Schema):
    id: int
    type: str
    value: str
    tlp: str
    confidence: int
    url: str = Field(description="The indicator's page.")

    @staticmethod
    def resolve_url(obj: Indicator) -> str:
        return reverse("intel:indicator-detail", args=[obj.pk])


class EventDetailOut(EventOut):
    indicators: list[EventIndicatorOut] = Field(
        description="The active indicators matching the event's values that you may see (TLP, "
        "distribution, sharing group); may be empty while intel_matched is true."
    )


class StatisticsPeriod(Schema):
    time_from: date = optional(description="The first day (default: 29 days before today).")
    time_to: date = optional(description="The last day (default: today).")

    def days(self) -> tuple[date, date]:
        first, last = default_period()
        if self.time_from is not None and self.time_to is None:
            last = max(last, self.time_from)
        return self.time_from or first, self.time_to or last


class StatisticsCount(Schema):
    key: str | None = Field(
        description="What is counted: the RSIT type, constituent type, province code, the "
        "constituent's id, or the day; null for unattributed events or an unknown property."
    )
    label: str
    events: int = Field(description="New events (a finding first stored).")
    findings: int = Field(description="Every finding, repeats included.")

    @staticmethod
    def resolve_key(obj: Count) -> str | None:
        return None if obj.key is None else str(obj.key)


class StatisticsOut(Schema):
    time_from: date
    time_to: date
    events: int
    findings: int
    by_type: list[StatisticsCount] = Field(description="label: the RSIT taxonomy.")
    by_constituent_type: list[StatisticsCount]
    by_province: list[StatisticsCount]
    top_constituents: list[StatisticsCount]
    days: list[StatisticsCount] = Field(description="Every day of the period, oldest first.")

    @staticmethod
    def resolve_time_from(obj: SectorStatistics) -> date:
        return obj.first

    @staticmethod
    def resolve_time_to(obj: SectorStatistics) -> date:
        return obj.last


def _events(request: HttpRequest, filters: EventFilter) -> QuerySet:
    """The events the caller sees, filtered (an invalid filter is a 422 naming it)."""
    events = filter_events(Event.objects.restrict(request.user, "view"), filters.as_filters())
    return events.select_related("constituent")


def _require(request: HttpRequest, permission: str, message: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied(message)


@router.get(
    "/events",
    response=list[EventOut],
    operation_id="events_list",
    summary="List feed events",
)
@paginate(UncountedPage)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    """The events you may see, newest observed first. The answer has ``next``, ``previous`` and
    ``results`` but no ``count`` (see the description of the API's lists): follow ``next`` until
    it is null."""
    _require(request, "event.view", _("You may not see feed events."))
    return _events(request, filters).order_by("-pk")  # newest stored first: the primary key orders


# Before "/events/{id}", which would otherwise be asked to read "export" as an id.
@router.get(
    "/events/export",
    operation_id="events_export",
    summary="Export feed events as IntelMQ JSON lines",
    openapi_extra=EXPORT_RESPONSES,
)
def export_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    """The list's filters apply; needs the export permission. Streamed; every export is audited."""
    _require(request, "event.export", _("You may not export events."))
    events = _events(request, filters)
    data = filters.model_dump(mode="json", exclude_none=True)
    return jsonl_response(export.check_export_events(request.user, events, data), "events")


@router.get(
    "/events/statistics",
    response=StatisticsOut,
    operation_id="events_statistics",
    summary="Sector statistics of feed events",
)
def event_statistics(request: HttpRequest, period: Query[StatisticsPeriod]) -> Any:
    """Events and findings per RSIT type, constituent type, province, constituent (the 20 with
    most findings) and day, from the daily roll-ups; the numbers of the statistics page. For the
    CERT: needs ``feedreport.view``. The period is at most 366 days, the last 30 by default."""
    _require(request, "feedreport.view", _("You may not see the sector statistics."))
    first, last = period.days()
    check_period(first, last)  # a ValidationError is a 422 naming the field
    return sector_statistics(first, last)


@router.get(
    "/events/{id}",
    response=EventDetailOut,
    operation_id="events_detail",
    summary="Get a feed event",
)
def get_event(request: HttpRequest, id: ObjectId) -> Any:
    """The event, with the matching indicators you may see."""
    event = get_object_or_404(
        Event.objects.restrict(request.user, "view").select_related("constituent"), pk=id
    )
    event.indicators = list(matching_indicators(request.user, event))  # type: ignore[attr-defined]
    return event
