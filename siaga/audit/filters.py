"""Filters of the audit trail, shared by the list and the CSV export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the user's time zone (a WIT user's day ends at 15:00 UTC)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices]
    )
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": _("e-mail address or part of it")}),
    )
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. organization")}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def apply(self, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The matching entries; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if actor := (data.get("actor") or "").strip():
            queryset = queryset.filter(actor_label__icontains=actor)
        if object_type := (data.get("object_type") or "").strip().lower():
            queryset = queryset.filter(
                Q(object_type=object_type) | Q(object_type__endswith="." + object_type)
            )
        if object_id := (data.get("object_id") or "").strip():
            queryset = queryset.filter(object_id=object_id)
        if data.get("date_from"):
            queryset = queryset.filter(created_at__gte=start_of_day(data["date_from"]))
        if data.get("date_to"):
            until = start_of_day(data["date_to"] + timedelta(days=1))
            queryset = queryset.filter(created_at__lt=until)
        return queryset

    def active_filters(self) -> dict[str, str]:
        """The filters in use, as text: recorded with an export so auditors see what was taken."""
        data = getattr(self, "cleaned_data", {})
        return {name: str(value) for name, value in data.items() if value not in (None, "")}
