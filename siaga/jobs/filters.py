"""Filters of the job list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.registry import all_kinds


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *JobStatus.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read when the form is made: apps register their job kinds as they are imported.
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", _("Any kind")),
            *((kind.name, kind.label) for kind in all_kinds()),
        ]

    def apply(self, queryset: QuerySet[Job]) -> QuerySet[Job]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset
