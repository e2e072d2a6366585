"""Filtering the STIX store, the same for the object list page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.stix.validation import TYPE_RE


def filter_objects(queryset: QuerySet, data: dict[str, Any]) -> QuerySet:
    """Apply ``type``, ``id`` (exact), ``q`` (id prefix) and ``all_versions`` to a queryset that
    is already restricted to what the user may see; newest additions first."""
    if not data.get("all_versions") and not data.get("id"):
        queryset = queryset.filter(is_latest=True)
    if data.get("type"):
        queryset = queryset.filter(type=data["type"])
    if data.get("id"):
        queryset = queryset.filter(stix_id=data["id"].strip())
    if data.get("q"):
        queryset = queryset.filter(stix_id__startswith=data["q"].strip())
    return queryset.order_by("-date_added", "-pk")


class ObjectFilterForm(forms.Form):
    """The filters of the object list page."""

    type = forms.CharField(label=_("Type"), required=False, max_length=64)
    q = forms.CharField(label=_("STIX id"), required=False, max_length=120,
                        help_text=_("The id, or its beginning (e.g. indicator--8e2e)."))  # fmt: skip
    all_versions = forms.BooleanField(label=_("All versions"), required=False)

    def clean_type(self) -> str:
        value = self.cleaned_data["type"].strip()
        if value and not TYPE_RE.match(value):
            raise forms.ValidationError(_("Enter a STIX type such as indicator."))
        return value

    def filters(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}
