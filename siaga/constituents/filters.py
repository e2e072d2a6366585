"""Filters of the registry and inventory lists (bad values are shown as errors and ignored)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.constituents.choices import Criticality, InventoryKind, Province
from siaga.organizations.choices import ConstituentType

YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]


def _cleaned(form: forms.Form) -> dict[str, Any]:
    form.is_valid()
    return getattr(form, "cleaned_data", {})


class ConstituentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    constituent_type = forms.ChoiceField(
        label=_("Constituent type"),
        required=False,
        choices=[("", _("Any type")), *ConstituentType.choices],
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("Any province")), *Province.choices]
    )
    iiv = forms.ChoiceField(label=_("Vital infrastructure"), required=False, choices=YES_NO)
    health_data = forms.ChoiceField(label=_("Personal health data"), required=False, choices=YES_NO)

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = _cleaned(self)
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(name__icontains=text)
                | Q(short_name__icontains=text)
                | Q(profile__city__icontains=text)
            )
        if data.get("constituent_type"):
            queryset = queryset.filter(constituent_type=data["constituent_type"])
        if data.get("province"):
            queryset = queryset.filter(profile__province=data["province"])
        for name, field in (
            ("iiv", "is_vital_infrastructure"),
            ("health_data", "holds_personal_health_data"),
        ):
            if data.get(name) == "yes":
                queryset = queryset.filter(**{f"profile__{field}": True})
            elif data.get(name) == "no":
                # A constituent without a profile has not been designated either.
                queryset = queryset.filter(
                    Q(**{f"profile__{field}": False}) | Q(profile__isnull=True)
                )
        return queryset


class InventoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *InventoryKind.choices]
    )
    criticality = forms.ChoiceField(
        label=_("Criticality"), required=False, choices=[("", _("Any")), *Criticality.choices]
    )
    exposed = forms.ChoiceField(
        label=_("Reachable from the internet"), required=False, choices=YES_NO
    )

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = _cleaned(self)
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(name__icontains=text)
                | Q(vendor__icontains=text)
                | Q(product__icontains=text)
                | Q(version__icontains=text)
                | Q(cpe__icontains=text)
            )
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("criticality"):
            queryset = queryset.filter(criticality=data["criticality"])
        if data.get("exposed"):
            queryset = queryset.filter(internet_exposed=data["exposed"] == "yes")
        return queryset
