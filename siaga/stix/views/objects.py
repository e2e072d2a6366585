"""Pages of the STIX store: the object list (type filter, id search) and one object's page."""

from __future__ import annotations

import orjson
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.accounts.roles import principal_for
from siaga.stix.actions import access_object, pending_references_of, versions_of, visible_objects
from siaga.stix.filters import ObjectFilterForm, filter_objects

PAGE_SIZE = 50


@login_required
@require_GET
def object_list(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("stixobject.view"):
        raise PermissionDenied
    filters = ObjectFilterForm(request.GET)
    objects = filter_objects(visible_objects(request.user), filters.filters())
    page = Paginator(objects.select_related("organization", "sharing_group"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stix/object_list.html",
        {
            "filters": filters,
            "page": page,
            "can_import": principal_for(request.user).has_perm("stixobject.add"),
        },
    )


@login_required
@require_GET
def object_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = access_object(request.user, pk)
    pretty = orjson.dumps(orjson.loads(obj.raw), option=orjson.OPT_INDENT_2).decode()
    return render(
        request,
        "stix/object_detail.html",
        {
            "obj": obj,
            "pretty": pretty,
            "versions": versions_of(request.user, obj)[:100],
            "pending": pending_references_of(obj)[:200],
        },
    )
