"""The TAXII 2.1 endpoints: discovery, the API root, status, collections, manifest, objects.

Each handler parses the request, calls ``access``/``actions`` and renders TAXII JSON; the
``taxii_endpoint`` decorator does what every endpoint shares (method, Accept, credentials, errors
as TAXII error messages). Object pages are assembled from the stored ``raw`` JSON text, so a page of
1,000 objects is one indexed query and a string join, never a re-serialization.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from siaga.taxii import access, actions
from siaga.taxii.auth import authenticate_request
from siaga.taxii.filters import PageOfRows, apply_filters, page_rows, parse_query
from siaga.taxii.models import Collection, TaxiiStatus
from siaga.taxii.protocol import (
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    TaxiiError,
    check_accept,
    check_content_type,
    error_response,
    format_timestamp,
    max_content_length,
    read_body,
    taxii_response,
)

View = Callable[..., HttpResponse]


def taxii_endpoint(*methods: str) -> Callable[[View], View]:
    """Method check, Accept check, authentication, and TAXII error messages for every refusal."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise TaxiiError(
                        405,
                        _("Method not allowed"),
                        _("Use %(methods)s here.") % {"methods": ", ".join(methods)},
                        {"Allow": ", ".join(methods)},
                    )
                check_accept(request)
                authenticate_request(request)
                return view(request, *args, **kwargs)
            except TaxiiError as error:
                return error_response(error)
            except Http404:
                return error_response(
                    TaxiiError(
                        404,
                        _("Not found"),
                        _("No such collection, object or status, or it is not shared with you."),
                    )
                )
            except PermissionDenied as denied:
                return error_response(TaxiiError(403, _("Forbidden"), str(denied)))

        return wrapper

    return decorate


def _absolute(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


# --- Discovery, API root, status ------------------------------------------------------------------


@taxii_endpoint("GET")
def discovery(request: HttpRequest) -> HttpResponse:
    root = _absolute(request, "taxii:api-root")
    return taxii_response(
        {
            "title": getattr(settings, "SIAGA_TAXII_TITLE", "Siaga TAXII server"),
            "description": _(
                "Threat intelligence of the health-sector CERT and its coordination group."
            ),
            "contact": getattr(settings, "SIAGA_TAXII_CONTACT", ""),
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_endpoint("GET")
def api_root(request: HttpRequest) -> HttpResponse:
    return taxii_response(
        {
            "title": getattr(settings, "SIAGA_TAXII_TITLE", "Siaga TAXII server"),
            "description": _("Collections of STIX 2.1 objects, one per TLP and audience."),
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": max_content_length(),
        }
    )


@taxii_endpoint("GET")
def status(request: HttpRequest, status_id: str) -> HttpResponse:
    # Only the person who posted reads a status; anyone else is told it does not exist.
    found = get_object_or_404(TaxiiStatus, uuid=status_id, owner=request.user)
    return taxii_response(status_resource(found))


def status_resource(found: TaxiiStatus) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "id": str(found.uuid),
        "status": found.status,
        "request_timestamp": format_timestamp(found.request_timestamp),
        "total_count": found.total_count,
        "success_count": found.success_count,
        "failure_count": found.failure_count,
        "pending_count": found.pending_count,
    }
    for name in ("successes", "failures", "pendings"):
        details = getattr(found, name)
        if details:
            resource[name] = details
    return resource


# --- Collections ----------------------------------------------------------------------------------


def collection_resource(user: Any, collection: Collection) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "id": str(collection.uuid),
        "title": collection.title,
        "can_read": True,  # only readable collections are listed at all
        "can_write": access.can_write(user, collection),
        "media_types": [STIX_MEDIA_TYPE],
    }
    if collection.description:
        resource["description"] = collection.description
    if collection.alias:
        resource["alias"] = collection.alias
    return resource


@taxii_endpoint("GET")
def collections(request: HttpRequest) -> HttpResponse:
    readable = access.readable_collections(request.user)
    return taxii_response({"collections": [collection_resource(request.user, c) for c in readable]})


@taxii_endpoint("GET")
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = access.access_collection(request.user, collection_id)
    return taxii_response(collection_resource(request.user, found))


def _date_headers(page: PageOfRows) -> dict[str, str]:
    if page.first_added is None or page.last_added is None:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_timestamp(page.first_added),
        "X-TAXII-Date-Added-Last": format_timestamp(page.last_added),
    }


def _paging(page: PageOfRows) -> dict[str, Any]:
    # "next" always comes with "more": the OASIS client pages with next alone and would loop.
    return {"more": True, "next": page.next} if page.more else {"more": False}


@taxii_endpoint("GET")
def manifest(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = access.access_collection(request.user, collection_id)
    query = parse_query(request.GET)
    rows = apply_filters(access.collection_objects(request.user, found), query)
    page = page_rows(rows, query, ("stix_id", "version", "date_added"))
    records = [
        {
            "id": stix_id,
            "date_added": format_timestamp(date_added),
            "version": format_timestamp(version),
            "media_type": STIX_MEDIA_TYPE,
        }
        for stix_id, version, date_added, _pk in page.rows
    ]
    return taxii_response({**_paging(page), "objects": records}, headers=_date_headers(page))


def _envelope(page: PageOfRows) -> str:
    # The stored JSON texts are joined as they are: no parsing, no re-serialization.
    head = json.dumps(_paging(page))[:-1]
    return head + ', "objects": [' + ",".join(row[0] for row in page.rows) + "]}"


@taxii_endpoint("GET", "POST")
def objects(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = access.access_collection(request.user, collection_id)
    if request.method == "POST":
        return _add_objects(request, found)
    query = parse_query(request.GET)
    rows = apply_filters(access.collection_objects(request.user, found), query)
    page = page_rows(rows, query, ("raw",))
    return taxii_response(text=_envelope(page), headers=_date_headers(page))


def _add_objects(request: HttpRequest, found: Collection) -> HttpResponse:
    if not access.can_write(request.user, found):
        raise TaxiiError(403, _("Forbidden"), _("You may not add objects to this collection."))
    check_content_type(request)
    envelope = parse_envelope(read_body(request))
    result = actions.check_add_objects(request.user, found, envelope)
    return taxii_response(status_resource(result), status=202)


def parse_envelope(body: bytes) -> list[dict[str, Any]]:
    """The objects of a posted envelope: 400 if it is not JSON, 422 if it is not an envelope."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise TaxiiError(400, _("Bad request"), _("The body is not valid JSON.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise TaxiiError(
            422,
            _("Not an envelope"),
            _("Send a TAXII envelope: a JSON object with an “objects” list."),
        )
    if not all(isinstance(item, dict) for item in data["objects"]):
        raise TaxiiError(
            422, _("Not an envelope"), _("Every entry of “objects” must be a STIX object.")
        )
    return data["objects"]


@taxii_endpoint("GET", "DELETE")
def object_detail(request: HttpRequest, collection_id: str, object_id: str) -> HttpResponse:
    found = access.access_collection(request.user, collection_id)
    query = parse_query(request.GET)
    if request.method == "DELETE":
        actions.check_delete_object(request.user, found, object_id, query)
        return taxii_response(text="", status=200)
    rows = apply_filters(access.collection_objects(request.user, found), query)
    rows = rows.filter(stix_id=object_id)
    if query.cursor is None and not rows.exists():
        raise Http404
    page = page_rows(rows, query, ("raw",))
    return taxii_response(text=_envelope(page), headers=_date_headers(page))


@taxii_endpoint("GET")
def versions(request: HttpRequest, collection_id: str, object_id: str) -> HttpResponse:
    found = access.access_collection(request.user, collection_id)
    query = parse_query(request.GET, allow_version=False)
    rows = apply_filters(access.collection_objects(request.user, found), query)
    rows = rows.filter(stix_id=object_id)
    if query.cursor is None and not rows.exists():
        raise Http404
    page = page_rows(rows, query, ("version",))
    listed = [format_timestamp(version) for version, _pk in page.rows]
    return taxii_response({**_paging(page), "versions": listed}, headers=_date_headers(page))
