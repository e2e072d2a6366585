"""Pages of the MISP integration: import, the feeds CERT staff publish, and the feed files.

The feed files (``manifest.json``, ``<uuid>.json``, ``hashes.csv``) are fetched by MISP
instances, which have no session: the secret token in the address is the credential. An unknown
or revoked token is a 404 (nothing says whether a feed by that token ever existed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.integrations.misp import actions
from siaga.integrations.misp.feed import (
    event_chunks,
    feed_events,
    find_event,
    hashes_chunks,
    manifest_bytes,
)
from siaga.integrations.misp.forms import FeedForm, ImportForm
from siaga.integrations.misp.importer import ImportDefaults
from siaga.integrations.misp.models import MispFeed


def _require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied


# --- Import --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_misp(request: HttpRequest) -> HttpResponse:
    _require(request.user, "indicator.add")
    form = ImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None, user=request.user
    )
    if form.is_bound and form.is_valid():
        labels = form.sharing_data()
        defaults = ImportDefaults(
            organization=labels["organization"],
            tlp=labels["tlp"],
            distribution=labels["distribution"],
            sharing_group=labels["sharing_group"],
            created_by=request.user,
        )
        upload = form.cleaned_data["file"]
        try:
            result = actions.check_import_upload(
                request.user, upload.name or "", upload.read(), defaults
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            return render(request, "misp/import_result.html", {"result": result})
    return render(request, "misp/import.html", {"form": form})


# --- Feeds (CERT staff) --------------------------------------------------------------------------


@login_required
@require_GET
def feed_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "mispfeed.view")
    principal = principal_for(request.user)
    context = {
        "feeds": actions.visible_feeds(request.user),
        "can_add": principal.has_perm("mispfeed.add"),
        "can_change": principal.has_perm("mispfeed.change"),
    }
    return render(request, "misp/feed_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feed_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, "mispfeed.add")
    form = FeedForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            feed, token = actions.check_create_feed(
                request.user, form.cleaned_data["name"], form.cleaned_data["organization"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            # The only time the token is shown: the response must not be cached anywhere.
            url = request.build_absolute_uri(reverse("misp:feed-manifest", args=[token]))
            feed_url = url.removesuffix("manifest.json")
            response = render(
                request, "misp/feed_created.html", {"feed": feed, "feed_url": feed_url}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "misp/feed_form.html", {"form": form})


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = actions.access_feed(request.user, pk, "change")
    actions.check_revoke_feed(request.user, feed)
    return redirect("misp:feed-list")


# --- Feed files (token in the address) -----------------------------------------------------------


def _feed(token: str) -> MispFeed:
    feed = actions.feed_for_token(token)
    if feed is None:
        raise Http404
    return feed


@require_GET
def feed_manifest(request: HttpRequest, token: str) -> HttpResponse:
    feed = _feed(token)
    actions.do_record_fetch(feed)
    body = manifest_bytes(feed_events(actions.audience_of(feed)))
    return HttpResponse(body, content_type="application/json")


@require_GET
def feed_event(request: HttpRequest, token: str, event_uuid: uuid.UUID) -> StreamingHttpResponse:
    feed = _feed(token)
    audience = actions.audience_of(feed)
    event = find_event(audience, str(event_uuid))
    if event is None:
        raise Http404
    return _streamed(event_chunks(audience, event), "application/json")


@require_GET
def feed_hashes(request: HttpRequest, token: str) -> StreamingHttpResponse:
    feed = _feed(token)
    return _streamed(hashes_chunks(actions.audience_of(feed)), "text/csv; charset=utf-8")


def _streamed(chunks: Iterator[bytes], content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
