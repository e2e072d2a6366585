"""Filters of the sharing-group list (bad values are shown as errors and ignored)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

STATES = [("", _("Active and inactive")), ("active", _("Active")), ("inactive", _("Inactive"))]


class SharingGroupFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATES)

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(Q(name__icontains=text) | Q(description__icontains=text))
        if data.get("state"):
            queryset = queryset.filter(is_active=data["state"] == "active")
        return queryset
