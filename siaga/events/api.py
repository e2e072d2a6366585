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
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PaginationBase, paginate
from pydantic import Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, ObjectId, PageParams, Text, _page_url, optional
from siaga.events import export
from siaga.events.filters import MAX_FEED_LENGTH, MAX_SEARCH_LENGTH, filter_events
from siaga.events.models import Event
from siaga.events.views import jsonl_response
from siaga.incidents.taxonomy import RsitType

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

    @staticmethod
    def resolve_fields(obj: Event) -> dict[str, Any]:
        return export.event_fields(obj)

    @staticmethod
    def resolve_constituent(obj: Event) -> dict[str, Any] | None:
        if obj.constituent is None:
            return None
        return {"id": obj.constituent.pk, "name": obj.constituent.name}


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
    "/events/{id}",
    response=EventOut,
    operation_id="events_detail",
    summary="Get a feed event",
)
def get_event(request: HttpRequest, id: ObjectId) -> Any:
    return get_object_or_404(
        Event.objects.restrict(request.user, "view").select_related("constituent"), pk=id
    )
