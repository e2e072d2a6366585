"""Pages of the TAXII client: the remote collections, their settings, and "sync now"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.integrations.taxiiclient import actions
from siaga.integrations.taxiiclient.forms import RemoteCollectionForm
from siaga.integrations.taxiiclient.models import RemoteCollection
from siaga.jobs.actions import check_start_job


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


@login_required
@require_GET
def remote_list(request: HttpRequest) -> HttpResponse:
    _require(request, "remotecollection.view")
    remotes = RemoteCollection.objects.restrict(request.user, "view").select_related(
        "source_organization", "push_from"
    )
    principal = principal_for(request.user)
    context = {
        "remotes": remotes,
        "can_add": principal.has_perm("remotecollection.add"),
        "can_change": principal.has_perm("remotecollection.change"),
    }
    return render(request, "taxiiclient/remote_list.html", context)


def _save(request: HttpRequest, remote: RemoteCollection | None) -> HttpResponse:
    form = RemoteCollectionForm(request.POST if request.method == "POST" else None, instance=remote)
    if form.is_bound and form.is_valid():
        secret = form.cleaned_data.get("secret") or None
        try:
            saved = actions.check_save_remote(request.user, form.save(commit=False), secret)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request, _("Remote collection “%(name)s” saved.") % {"name": saved.name}
            )
            return redirect("taxiiclient:remote-list")
    return render(request, "taxiiclient/remote_form.html", {"form": form, "remote": remote})


@login_required
@require_http_methods(["GET", "POST"])
def remote_create(request: HttpRequest) -> HttpResponse:
    _require(request, "remotecollection.add")
    return _save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def remote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "remotecollection.change")
    remote = get_object_or_404(RemoteCollection.objects.restrict(request.user, "change"), pk=pk)
    return _save(request, remote)


@login_required
@require_POST
def remote_delete(request: HttpRequest, pk: int) -> HttpResponse:
    remote = get_object_or_404(RemoteCollection.objects.restrict(request.user, "delete"), pk=pk)
    actions.do_delete_remote(request.user, remote)
    messages.success(request, _("Remote collection “%(name)s” deleted.") % {"name": remote.name})
    return redirect("taxiiclient:remote-list")


@login_required
@require_POST
def remote_sync(request: HttpRequest, pk: int) -> HttpResponse:
    remote = get_object_or_404(RemoteCollection.objects.restrict(request.user, "change"), pk=pk)
    job = check_start_job(request.user, "taxii.sync", {"remote": remote.pk})
    messages.success(request, _("Pull and push of “%(name)s” started.") % {"name": remote.name})
    return redirect("jobs:detail", job.pk)
