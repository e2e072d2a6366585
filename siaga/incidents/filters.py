"""Filters of the incident and report lists; one ``filter_incidents`` serves the page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.incidents.actions import cert_staff_users
from siaga.incidents.choices import TLP, IncidentStatus, Priority, ReportStatus
from siaga.incidents.models import Incident, Report
from siaga.incidents.taxonomy import HealthTag, RsitClass, RsitType
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization


def filter_incidents(queryset: QuerySet[Incident], filters: dict[str, Any]) -> QuerySet[Incident]:
    """The incidents matching every given filter; empty values are ignored."""
    for name in ("status", "priority", "rsit_class", "rsit_type", "tlp"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("assignee"):
        queryset = queryset.filter(
            assignee_id=getattr(filters["assignee"], "pk", filters["assignee"])
        )
    if filters.get("affected_constituent"):
        org_id = getattr(filters["affected_constituent"], "pk", filters["affected_constituent"])
        through = Incident.affected_constituents.through.objects
        queryset = queryset.filter(
            Exists(through.filter(incident_id=OuterRef("pk"), organization_id=org_id))
        )
    if filters.get("health_tag"):
        # The JSON list as text holds each tag in quotes: this works on SQLite and PostgreSQL
        # alike (``contains`` on JSON is PostgreSQL-only), and tags never contain quotes.
        queryset = queryset.filter(health_tags__icontains=f'"{filters["health_tag"]}"')
    if text := (filters.get("q") or "").strip():
        queryset = queryset.filter(
            Q(reference__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text)
        )
    return queryset


def _any(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(_("Any status"), IncidentStatus.choices)
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_any(_("Any priority"), Priority.choices)
    )
    rsit_class = forms.ChoiceField(
        label=_("RSIT class"), required=False, choices=_any(_("Any class"), RsitClass.choices)
    )
    rsit_type = forms.ChoiceField(
        label=_("RSIT type"), required=False, choices=_any(_("Any type"), RsitType.choices)
    )
    tlp = forms.ChoiceField(label=_("TLP"), required=False, choices=_any(_("Any TLP"), TLP.choices))
    health_tag = forms.ChoiceField(
        label=_("Health tag"), required=False, choices=_any(_("Any tag"), HealthTag.choices)
    )
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=None, empty_label=_("Anyone")
    )
    affected_constituent: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Affected constituent"), required=False, queryset=None, empty_label=_("Any")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = cert_staff_users()  # type: ignore[attr-defined]
        self.fields["affected_constituent"].queryset = Organization.objects.restrict(  # type: ignore[attr-defined]
            user, "view"
        ).filter(kind=OrganizationKind.CONSTITUENT)

    def apply(self, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        """The rows that match; a field with a bad value is shown as an error and ignored."""
        self.is_valid()
        return filter_incidents(queryset, getattr(self, "cleaned_data", {}))


class ReportFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(_("Any status"), ReportStatus.choices)
    )

    def apply(self, queryset: QuerySet[Report]) -> QuerySet[Report]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(Q(tracking_id__icontains=text) | Q(title__icontains=text))
        return queryset
