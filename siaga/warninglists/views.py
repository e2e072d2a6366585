"""Pages of the warninglists: the lists, one list's entries, enable/disable, upload, check a value.

Views parse input, call ``actions`` and render. A list is visible to everyone signed in within an
organization; uploading and toggling take ``warninglist.add`` / ``warninglist.change``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.core.forms import add_validation_error
from siaga.warninglists import actions
from siaga.warninglists.forms import CheckForm, EntrySearchForm, UploadForm

PAGE_SIZE = 50


def _require(request: HttpRequest, action: str) -> None:
    if not actions.may(request.user, action):
        raise PermissionDenied


@login_required
@require_GET
def warninglist_list(request: HttpRequest) -> HttpResponse:
    _require(request, "view")
    lists = actions.visible_warninglists(request.user).order_by("name")
    context = {
        "lists": lists,
        "can_change": actions.may(request.user, "change"),
        "can_add": actions.may(request.user, "add"),
    }
    return render(request, "warninglists/list.html", context)


@login_required
@require_GET
def warninglist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warninglist = actions.access_warninglist(request.user, pk)
    search = EntrySearchForm(request.GET)
    entries = warninglist.entries.order_by("pk")
    if search.is_valid() and search.cleaned_data["q"]:
        entries = entries.filter(value__icontains=search.cleaned_data["q"])
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "warninglist": warninglist,
        "search": search,
        "page": page,
        "can_change": actions.may(request.user, "change"),
    }
    return render(request, "warninglists/detail.html", context)


@login_required
@require_POST
def warninglist_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    warninglist = actions.access_warninglist(request.user, pk)
    enabled = request.POST.get("enabled") == "1"
    warninglist = actions.do_set_enabled(request.user, warninglist, enabled)
    if warninglist.is_enabled:
        messages.success(request, _("%(name)s is enabled.") % {"name": warninglist.name})
    else:
        messages.success(request, _("%(name)s is disabled.") % {"name": warninglist.name})
    return redirect("warninglists:detail", pk=warninglist.pk)


@login_required
@require_http_methods(["GET", "POST"])
def warninglist_upload(request: HttpRequest) -> HttpResponse:
    _require(request, "add")
    form = UploadForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        filename, content = form.cleaned_data["file"]
        try:
            result = actions.check_upload(request.user, content, filename)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _outcome_message(result.outcome, result.warninglist.name))
            return redirect("warninglists:detail", pk=result.warninglist.pk)
    return render(request, "warninglists/upload.html", {"form": form})


def _outcome_message(outcome: str, name: str) -> str:
    if outcome == "unchanged":
        return _("%(name)s is already loaded in this version; nothing changed.") % {"name": name}
    if outcome == "replaced":
        return _("%(name)s was replaced by the uploaded version.") % {"name": name}
    return _("%(name)s was loaded.") % {"name": name}


@login_required
@require_GET
def warninglist_check(request: HttpRequest) -> HttpResponse:
    _require(request, "view")
    form = CheckForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        try:
            [result] = actions.check_values(
                request.user, [(form.cleaned_data["type"], form.cleaned_data["value"])]
            )
        except ValidationError as exc:
            form.add_error("value", exc)
    return render(request, "warninglists/check.html", {"form": form, "result": result})
