"""The STIX import page: upload a bundle with its labels.

A file up to ``SYNC_MAX_BYTES`` is imported at once and the result shown; a larger one is stored
and imported by a ``stix.import`` job, whose page shows progress and the result.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.stix.actions import (
    SYNC_MAX_BYTES,
    SYNC_MAX_OBJECTS,
    check_labels,
    check_start_file_import,
    do_import_file,
)
from siaga.stix.forms import ImportForm


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if not principal_for(request.user).has_perm("stixobject.add"):
        raise PermissionDenied
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        user=request.user,
    )
    if form.is_bound and form.is_valid():
        try:
            return _import(request, form)
        except ValidationError as exc:
            add_validation_error(form, exc)
    return render(request, "stix/import.html", {"form": form, "sync_mb": SYNC_MAX_BYTES >> 20})


def _import(request: HttpRequest, form: ImportForm) -> HttpResponse:
    sharing = form.sharing_data()
    labels = check_labels(
        request.user,
        organization=sharing.get("organization"),
        tlp=sharing["tlp"],
        distribution=sharing["distribution"],
        sharing_group=sharing.get("sharing_group"),
    )
    upload = form.cleaned_data["file"]
    if upload.size > SYNC_MAX_BYTES:
        job = check_start_file_import(request.user, upload, labels)
        return redirect("jobs:detail", job.pk)
    upload.seek(0)
    result = do_import_file(upload, labels, source=upload.name[:200], max_objects=SYNC_MAX_OBJECTS)
    return render(
        request,
        "stix/import_result.html",
        {
            "result": result,
            "filename": upload.name,
            # A Counter answers 0 to the template's ``.items`` lookup: hand over the pairs.
            "custom_types": sorted(result.custom_types.items()),
        },
    )
