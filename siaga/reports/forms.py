"""Forms of the sector-report pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.reports.choices import PeriodKind
from siaga.reports.models import NARRATIVE_MAX


class NarrativeForm(forms.Form):
    narrative_id = forms.CharField(
        label=_("Narrative in Bahasa Indonesia"),
        required=False,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 12, "lang": "id"}),
    )
    narrative_en = forms.CharField(
        label=_("Narrative in English"),
        required=False,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 12, "lang": "en"}),
    )


class GenerateForm(forms.Form):
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTERLY
    )
    day = forms.DateField(
        label=_("A day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The report covers the whole month or quarter that contains this day."),
    )
