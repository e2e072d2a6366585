"""Pages that export STIX 2.1 bundles: the export page and an incident's "Export as STIX" button.

The views only parse the form and hand over to ``siaga.stix.export_actions``, which applies the
permission, the ``restrict`` scoping and the audit entry. Downloads are streamed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from siaga.core.forms import add_validation_error
from siaga.core.observables import ObservableType
from siaga.sharing.choices import TLP
from siaga.stix import export_actions
from siaga.stix.exporter import STIX_CONTENT_TYPE

WHAT_CHOICES = [
    ("indicators", _("Indicators")),
    ("incident", _("One incident")),
    ("objects", _("Objects of the STIX store")),
]


class ExportForm(forms.Form):
    """What to export; the fields of the other choices are ignored."""

    what = forms.ChoiceField(label=_("Export"), choices=WHAT_CHOICES, widget=forms.RadioSelect)
    type = forms.ChoiceField(
        label=_("Indicator type"), required=False, choices=[("", _("Any")), *ObservableType.choices]
    )
    tlp = forms.ChoiceField(label=_("TLP"), required=False, choices=[("", _("Any")), *TLP.choices])
    since = forms.DateTimeField(
        label=_("Changed since"),
        required=False,
        help_text=_("Only indicators changed at or after this time, e.g. 2025-01-31 08:00."),
    )
    incident = forms.IntegerField(
        label=_("Incident id"), required=False, min_value=1, max_value=2**63 - 1
    )
    stix_type = forms.CharField(
        label=_("STIX type"),
        required=False,
        max_length=64,
        help_text=_("Such as indicator, malware or attack-pattern; empty for every type."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("what") == "incident" and not data.get("incident"):
            self.add_error("incident", _("Enter the id of the incident to export."))
        if data.get("what") == "objects":
            try:
                export_actions.check_stix_type(data.get("stix_type") or "")
            except ValidationError as exc:
                self.add_error("stix_type", exc.message_dict["type"])
        return data


def bundle_download(chunks: Iterable[str], stem: str) -> StreamingHttpResponse:
    """A bundle as a ``.json`` download, streamed."""
    response = StreamingHttpResponse(chunks, content_type=STIX_CONTENT_TYPE)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponseBase:
    """The form (first visit) or the download (the form sent with ``what``)."""
    if not export_actions.may_export_anything(request.user):
        raise PermissionDenied
    if "what" not in request.GET:
        return _render(request, ExportForm(initial={"what": "indicators"}))
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        return _download(request, form.cleaned_data)
    except ValidationError as exc:
        add_validation_error(form, exc)
        return _render(request, form, status=400)


def _download(request: HttpRequest, data: dict[str, Any]) -> HttpResponseBase:
    user = request.user
    if data["what"] == "incident":
        return incident_download(user, data["incident"])
    if data["what"] == "objects":
        stix_type = data.get("stix_type") or ""
        chunks = export_actions.check_export_store_objects(user, stix_type)
        return bundle_download(chunks, f"stix-{stix_type or 'objects'}")
    filters = {key: data[key] for key in ("type", "tlp", "since") if data.get(key)}
    return bundle_download(export_actions.check_export_indicators(user, filters), "indicators")


def incident_download(user: Any, pk: int) -> HttpResponseBase:
    document = export_actions.check_export_incident(user, pk)
    return bundle_download([json.dumps(document, ensure_ascii=False)], f"incident-{pk}")


def _render(request: HttpRequest, form: ExportForm, status: int = 200) -> HttpResponse:
    return render(request, "stix/export.html", {"form": form}, status=status)


@login_required
@require_GET
def incident_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One incident as a STIX bundle (the button on the incident page)."""
    return incident_download(request.user, pk)
