"""Input of the assessments pages: the campaign, a framework file, the answers, the review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.assessments.actions.answering import MAX_COMMENT, Entry
from siaga.assessments.models import Answer, Framework
from siaga.assessments.scoring import Definition, pick
from siaga.constituents.choices import Province
from siaga.organizations.choices import ConstituentType
from siaga.organizations.models import Organization


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    framework = forms.ModelChoiceField(
        label=_("Framework version"), queryset=Framework.objects.none()
    )
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    organizations = forms.ModelMultipleChoiceField(
        label=_("Constituents by name"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = forms.MultipleChoiceField(
        label=_("All constituents of these kinds"),
        choices=ConstituentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    provinces = forms.MultipleChoiceField(
        label=_("All constituents in these provinces"), choices=Province.choices, required=False
    )

    def __init__(self, *args: Any, frameworks: Any, constituents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.constituents = constituents
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]
        self.fields["organizations"].queryset = constituents  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = {org.pk for org in data.get("organizations") or []}
        if data.get("kinds"):
            chosen |= set(
                self.constituents.filter(constituent_type__in=data["kinds"]).values_list(
                    "pk", flat=True
                )
            )
        if data.get("provinces"):
            chosen |= set(
                self.constituents.filter(profile__province__in=data["provinces"]).values_list(
                    "pk", flat=True
                )
            )
        if not chosen:
            raise forms.ValidationError(_("Choose constituents by name, kind or province."))
        data["chosen"] = sorted(chosen)
        return data


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(label=_("Framework file (YAML)"))


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=MAX_COMMENT, required=False, widget=forms.Textarea
    )
    question_id = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


def _field_name(kind: str, question_id: str) -> str:
    return f"{kind}_{question_id}"


class AnswersForm(forms.Form):
    """One radio group, comment and optional file per question of the framework."""

    def __init__(
        self,
        *args: Any,
        definition: Definition,
        language: str,
        answers: dict[str, Answer],
        disabled: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.groups: list[tuple[str, list[dict[str, Any]]]] = []
        for area in definition.areas:
            choices = [
                (item.value, pick(item.label, language)) for item in definition.scale_of(area)
            ]
            rows = []
            for question in area.questions:
                existing = answers.get(question.id)
                value = _field_name("value", question.id)
                comment = _field_name("comment", question.id)
                upload = _field_name("file", question.id)
                self.fields[value] = forms.ChoiceField(
                    label=f"{question.id} {pick(question.text, language)}",
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    initial=existing.value if existing else "",
                    disabled=disabled,
                )
                self.fields[comment] = forms.CharField(
                    label=_("Comment"),
                    required=False,
                    max_length=MAX_COMMENT,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    initial=existing.comment if existing else "",
                    disabled=disabled,
                )
                self.fields[upload] = forms.FileField(
                    label=_("Evidence file"), required=False, disabled=disabled
                )
                rows.append(
                    {
                        "question": question,
                        "value": self[value],
                        "comment": self[comment],
                        "file": self[upload],
                        "answer": existing,
                    }
                )
            self.groups.append((pick(area.name, language), rows))

    def entries(self) -> dict[str, Entry]:
        return {
            q.id: Entry(
                self.cleaned_data.get(_field_name("value", q.id)) or "",
                self.cleaned_data.get(_field_name("comment", q.id)) or "",
            )
            for q in self.definition.questions()
        }

    def files_by_question(self) -> dict[str, Any]:
        found = {}
        for question in self.definition.questions():
            upload = self.cleaned_data.get(_field_name("file", question.id))
            if upload:
                found[question.id] = upload
        return found
