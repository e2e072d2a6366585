"""Web input of the coordination group's pages. Forms validate; the actions write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.accounts.models import User
from siaga.core.forms import FastSelect
from siaga.governance.choices import (
    ActionStatus,
    AttendanceStatus,
    FindingSeverity,
)
from siaga.governance.models import (
    ActionItem,
    Decision,
    Exercise,
    Meeting,
    OnCallShift,
    Representative,
    TermsOfReferenceVersion,
)
from siaga.organizations.models import Organization

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("full_name", "email")


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = [
            "organization",
            "user",
            "name",
            "email",
            "phone",
            "role",
            "active_from",
            "active_until",
        ]
        widgets = {"active_from": DATE, "active_until": DATE, "user": FastSelect}
        help_texts = {"user": _("Leave empty for someone without a Siaga account.")}

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["user"].queryset = active_users()  # type: ignore[attr-defined]


class TermsVersionForm(forms.ModelForm):
    class Meta:
        model = TermsOfReferenceVersion
        fields = ["effective_date", "body_id", "body_en", "change_summary_id", "change_summary_en"]
        widgets = {"effective_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body_id"].required = True
        self.fields["body_en"].required = True


class MeetingForm(forms.ModelForm):
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One agenda item per line."),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "place",
            "link",
            "minutes_id",
            "minutes_en",
        ]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            items = self.instance.agenda_items.order_by("position")
            self.initial["agenda"] = "\n".join(item.title for item in items)

    def clean_agenda(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class AttendanceForm(forms.Form):
    """One select per representative: ``rep-<id>``."""

    def __init__(self, *args: Any, rows: list[tuple[Representative, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Not recorded")), *AttendanceStatus.choices]
        self.people = []
        for rep, status in rows:
            name = f"rep-{rep.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{rep.display_name} ({rep.organization})",
                choices=choices,
                required=False,
                initial=status,
            )
            self.people.append((rep, name))

    def statuses(self) -> dict[int, str]:
        return {rep.pk: self.cleaned_data.get(name, "") for rep, name in self.people}

    def rows(self) -> list[tuple[Representative, forms.BoundField]]:
        return [(rep, self[name]) for rep, name in self.people]


class DecisionForm(forms.Form):
    text_id = forms.CharField(
        label=_("Decision (Bahasa Indonesia)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    text_en = forms.CharField(
        label=_("Decision (English)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text_id", "").strip() or data.get("text_en", "").strip()):
            raise forms.ValidationError(_("Write the decision in at least one language."))
        return data


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = [
            "title",
            "description",
            "owner",
            "organization",
            "due_date",
            "status",
            "meeting",
            "decision",
            "exercise",
        ]
        widgets = {"due_date": DATE, "owner": FastSelect, "organization": FastSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "name"
        )
        self.fields["decision"].queryset = Decision.objects.select_related("meeting").order_by(  # type: ignore[attr-defined]
            "-meeting__starts_at", "number"
        )
        self.fields["decision"].label_from_instance = lambda d: f"{d.meeting} #{d.number}"  # type: ignore[attr-defined]
        self.fields["exercise"].queryset = Exercise.objects.all()  # type: ignore[attr-defined]


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class ShiftForm(forms.ModelForm):
    class Meta:
        model = OnCallShift
        fields = ["user", "starts_at", "ends_at", "level", "notes"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME, "user": FastSelect}
        help_texts = {"starts_at": _("In your time zone.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()  # type: ignore[attr-defined]


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [
            "kind",
            "title",
            "held_on",
            "status",
            "scenario_id",
            "scenario_en",
            "participants",
        ]
        widgets = {"held_on": DATE, "participants": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            is_active=True, kind__in=("cert", "member_agency")
        ).order_by("name")


class FindingForm(forms.Form):
    text = forms.CharField(
        label=_("Finding"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=FindingSeverity.choices)
