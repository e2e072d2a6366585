"""Filters of the organization list (the same form can drive an API query later)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization

ACTIVE_CHOICES = [("", _("Active or not")), ("yes", _("Active")), ("no", _("Inactive"))]


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *OrganizationKind.choices]
    )
    constituent_type = forms.ChoiceField(
        label=_("Constituent type"),
        required=False,
        choices=[("", _("Any type")), *ConstituentType.choices],
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)

    def apply(self, queryset: QuerySet[Organization]) -> QuerySet[Organization]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(name__icontains=text) | Q(short_name__icontains=text) | Q(email__icontains=text)
            )
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("constituent_type"):
            queryset = queryset.filter(constituent_type=data["constituent_type"])
        if data.get("active"):
            queryset = queryset.filter(is_active=data["active"] == "yes")
        return queryset
