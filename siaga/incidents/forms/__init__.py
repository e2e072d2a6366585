"""Forms of the report and incident pages. They only parse input; the rules live in ``actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.attack.forms import TechniqueIdsField
from siaga.constituents.models import InventoryItem
from siaga.core.forms import FastSelect, FastSelectMultiple
from siaga.incidents.actions import INCIDENT_FIELDS, cert_staff_users, reporting_organizations
from siaga.incidents.choices import (
    ClosureReason,
    IncidentStatus,
    PersonalDataInvolved,
    RejectionReason,
    ReportLanguage,
    TriageAction,
)
from siaga.incidents.lifecycle import allowed_targets
from siaga.incidents.models import Incident, Report
from siaga.incidents.taxonomy import HealthTag
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SUBMITTED_FIELDS = (
    "title",
    "description",
    "discovered_at",
    "personal_data_involved",
    "suspected_class",
    "suspected_type",
    "affected_systems",
)


class ReportForm(forms.ModelForm):
    """A signed-in member's report; the organization is asked only when there is a choice."""

    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )

    class Meta:
        model = Report
        fields = list(SUBMITTED_FIELDS)
        widgets = {"discovered_at": DATETIME_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organizations = reporting_organizations(user)
        field = self.fields["organization"]
        field.queryset = organizations  # type: ignore[attr-defined]
        if len(organizations[:2]) == 1:
            del self.fields["organization"]  # the only one: nothing to choose
        elif organizations.filter(kind=OrganizationKind.CONSTITUENT).count() > 1:
            field.required = False  # CERT staff may file without naming a constituent
            field.empty_label = _("None (CERT's own report)")  # type: ignore[attr-defined]
        self.order_fields(["organization", *SUBMITTED_FIELDS])

    def submission(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SUBMITTED_FIELDS}


class PublicReportForm(forms.Form):
    """The public form. ``website`` is a honeypot: people do not see it, robots fill it in."""

    reporter_name = forms.CharField(label=_("Your name"), max_length=200)
    reporter_email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send the tracking number of your report here."),
    )
    reporter_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    reporter_organization_name = forms.CharField(
        label=_("Your organization"), max_length=200, required=False
    )
    language = forms.ChoiceField(label=_("Language for our reply"), choices=ReportLanguage.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    discovered_at = forms.DateTimeField(
        label=_("When did you discover it?"), required=False, widget=DATETIME_WIDGET
    )
    personal_data_involved = forms.ChoiceField(
        label=_("Are personal data involved?"),
        choices=PersonalDataInvolved.choices,
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput)

    def submission(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        data.pop("form_token", None)
        return data


class TriageForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"), choices=TriageAction.choices, widget=forms.RadioSelect
    )
    incident = forms.ModelChoiceField(
        label=_("Incident"),
        required=False,
        queryset=Incident.objects.none(),
        help_text=_("For attaching, or for a duplicate of an incident."),
        widget=FastSelect,
    )
    reason = forms.ChoiceField(
        label=_("Reason for rejecting"),
        required=False,
        choices=[("", "—"), *RejectionReason.choices],
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of report"),
        required=False,
        max_length=40,
        help_text=_("The tracking id of the report this one repeats."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open incidents only: a report is attached to work in progress, and a national CERT's
        # closed cases run to the hundred thousand.
        self.fields["incident"].queryset = (  # type: ignore[attr-defined]
            Incident.objects.restrict(user, "change")
            .exclude(status=IncidentStatus.CLOSED)
            .filter(merged_into=None)
            .order_by("-created_at")
        )

    def clean_duplicate_of(self) -> int | None:
        tracking_id = self.cleaned_data["duplicate_of"].strip()
        if not tracking_id:
            return None
        report = Report.objects.filter(tracking_id__iexact=tracking_id).first()
        if report is None:
            raise forms.ValidationError(_("No report has this tracking id."))
        return report.pk


def system_label(item: InventoryItem) -> str:
    product = " ".join(part for part in (item.vendor, item.product, item.version) if part)
    name = f"{item.name} ({product})" if product and item.name else item.name or product
    return f"{item.organization.name} — {name}"


class IncidentForm(forms.ModelForm):
    attack_techniques = TechniqueIdsField()
    health_tags = forms.MultipleChoiceField(
        label=_("Health-sector tags"),
        required=False,
        choices=HealthTag.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Incident
        fields = [*INCIDENT_FIELDS, "affected_constituents", "affected_systems", "shared_with"]
        widgets = {
            "detected_at": DATETIME_WIDGET,
            "affected_constituents": FastSelectMultiple(attrs={"size": 6}),
            "affected_systems": FastSelectMultiple(attrs={"size": 6}),
            "shared_with": FastSelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["affected_constituents"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            kind=OrganizationKind.CONSTITUENT
        ).order_by("name")
        self.fields["shared_with"].queryset = Organization.objects.exclude(  # type: ignore[attr-defined]
            kind=OrganizationKind.CERT
        ).order_by("name")
        # The systems of the constituents already affected (save the constituents first): a
        # national registry holds tens of thousands of systems, too many for one list.
        systems = self.fields["affected_systems"]
        systems.queryset = (  # type: ignore[attr-defined]
            InventoryItem.objects.filter(organization__in=self.instance.affected_constituents.all())
            .select_related("organization")
            .order_by("organization__name", "name")
            if self.instance.pk
            else InventoryItem.objects.none()
        )
        systems.label_from_instance = system_label  # type: ignore[attr-defined]
        systems.help_text = _(
            "Systems and devices of the affected constituents' inventories (save the affected "
            "constituents first)."
        )

    def changes(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.fields}
        data["health_tags"] = list(data["health_tags"])
        data["affected_constituents"] = list(data["affected_constituents"])
        data["shared_with"] = list(data["shared_with"])
        data["affected_systems"] = list(data["affected_systems"])
        return data


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        required=False,
        choices=[("", "—"), *ClosureReason.choices],
        help_text=_("Needed to close."),
    )
    lessons_learned = forms.CharField(
        label=_("Lessons learned"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to reopen a closed incident."),
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every status is accepted here: the action names the allowed ones when refusing.
        field: Any = self.fields["status"]
        if self.is_bound:
            field.choices = IncidentStatus.choices
        else:
            field.choices = [
                (value, IncidentStatus(value).label) for value in allowed_targets(incident.status)
            ]


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=None, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = cert_staff_users()  # type: ignore[attr-defined]
