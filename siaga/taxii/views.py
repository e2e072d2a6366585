"""Pages of the TAXII app: the collections a user can read (with the address to give a partner),
and, for CERT staff, creating and editing them. The TAXII protocol itself is in ``endpoints``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.taxii import access, actions
from siaga.taxii.forms import CollectionForm
from siaga.taxii.models import Collection


@login_required
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    readable = access.readable_collections(request.user)
    rows = [
        {
            "collection": collection,
            "url": request.build_absolute_uri(reverse("taxii:collection", args=[collection.uuid])),
            "can_write": access.can_write(request.user, collection),
        }
        for collection in readable
    ]
    context = {
        "rows": rows,
        "discovery_url": request.build_absolute_uri(reverse("taxii:discovery")),
        "api_root_url": request.build_absolute_uri(reverse("taxii:api-root")),
        "can_add": principal.has_perm("collection.add"),
        "can_change": principal.has_perm("collection.change"),
        "inactive": Collection.objects.filter(is_active=False).order_by("title")
        if principal.has_perm("collection.change")
        else [],
    }
    return render(request, "taxii/collection_list.html", context)


def _save(request: HttpRequest, form: CollectionForm, *, creating: bool) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        actions.check_save_collection(request.user, form.instance, creating=creating)
    except ValidationError as error:
        add_validation_error(form, error)
        return None
    messages.success(request, _("The collection was saved."))
    return redirect("taxii:collection-list")


def _form_page(request: HttpRequest, form: CollectionForm, title: str) -> HttpResponse:
    return render(request, "taxii/collection_form.html", {"form": form, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def collection_create(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("collection.add"):
        raise PermissionDenied
    form = CollectionForm(request.POST if request.method == "POST" else None)
    done = _save(request, form, creating=True) if request.method == "POST" else None
    return done or _form_page(request, form, _("New TAXII collection"))


@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    collection = actions.access_collection_for_change(request.user, pk)
    data: Any = request.POST if request.method == "POST" else None
    form = CollectionForm(data, instance=collection)
    done = _save(request, form, creating=False) if request.method == "POST" else None
    return done or _form_page(request, form, _("Edit TAXII collection"))
