"""The incident list's tools: CSV export, bulk actions and saved filters."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from siaga.accounts.roles import principal_for
from siaga.incidents.actions.incidents import (
    access_saved_filter,
    check_bulk,
    check_delete_saved_filter,
    check_export_incidents,
    check_save_filter,
)
from siaga.incidents.filters import IncidentFilterForm
from siaga.incidents.forms.lists import BulkForm, SavedFilterForm
from siaga.incidents.models import Incident


class _Echo:
    """A file that hands back what is written, for csv.writer inside a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def csv_response(rows: Iterator[list[str]], stem: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def incident_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed (the filters of the list page apply)."""
    if not principal_for(request.user).has_perm("incident.export"):
        raise PermissionDenied
    filters = IncidentFilterForm(request.GET, user=request.user)
    incidents = filters.apply(Incident.objects.restrict(request.user, "export")).order_by(
        "-created_at", "-pk"
    )
    rows = check_export_incidents(request.user, incidents, {"query": filters.query_string()})
    return csv_response(rows, "incidents")


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the list with the filters it had (only a query string is taken from the form)."""
    query = request.POST.get("return_query", "")
    if "\n" in query or "\r" in query or len(query) > 2000:
        query = ""
    return redirect(reverse("incidents:list") + (f"?{query}" if query else ""))


@login_required
@require_POST
def incident_bulk(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    if not (principal.has_perm("incident.change") or principal.has_perm("incident.assign")):
        raise PermissionDenied
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back_to_list(request)
    try:
        results = check_bulk(
            request.user, form.cleaned_data["ids"], form.cleaned_data["action"], form.params()
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back_to_list(request)
    done = [result for result in results if result.ok]
    if done:
        messages.success(
            request,
            ngettext("%(count)d incident changed.", "%(count)d incidents changed.", len(done))
            % {"count": len(done)},
        )
    for result in results:
        if not result.ok:
            messages.error(
                request,
                _("%(incident)s: %(error)s")
                % {"incident": result.reference or f"#{result.id}", "error": result.error},
            )
    return _back_to_list(request)


@login_required
@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    filters = IncidentFilterForm(QueryDict(request.POST.get("return_query", "")), user=request.user)
    if form.is_valid():
        try:
            saved = check_save_filter(
                request.user, form.cleaned_data["name"], filters.query_string()
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    else:
        messages.error(request, _("Give the filter a name."))
    return _back_to_list(request)


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = access_saved_filter(request.user, pk)
    check_delete_saved_filter(request.user, saved)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect("incidents:list")
