"""Filters of the technique list (bad values are shown as errors and ignored)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.attack.choices import Domain
from siaga.attack.queries import search_techniques


class TechniqueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    domain = forms.ChoiceField(
        label=_("Domain"), required=False, choices=[("", _("Every domain")), *Domain.choices]
    )
    retired = forms.BooleanField(label=_("Also deprecated and revoked"), required=False)

    def results(self) -> QuerySet[Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return search_techniques(
            data.get("q") or "", data.get("domain") or "", bool(data.get("retired"))
        )
