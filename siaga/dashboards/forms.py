"""The dashboards' period filter (GET): a preset, or a custom range of days ``from`` .. ``to``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.dashboards.periods import (
    DEFAULT_PRESET,
    MAX_DAYS,
    PRESETS,
    Period,
    from_days,
    preset_period,
)

EARLIEST = date(2000, 1, 1)  # nothing in Siaga is older; an earlier date is a typing mistake


def check_days(first: date, last: date) -> dict[str, str]:
    """Errors of a custom range, by field name (empty when it is fine)."""
    if first < EARLIEST:
        return {"from": str(_("Choose a day in 2000 or later."))}
    if last > timezone.localdate() + timedelta(days=366):
        return {"to": str(_("Choose a day no more than a year from today."))}
    if last < first:
        return {"to": str(_("The last day must not be before the first day."))}
    if (last - first).days + 1 > MAX_DAYS:
        return {"to": str(_("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS})}
    return {}


class PeriodForm(forms.Form):
    """The period: a preset; ``from``/``to`` (days, both included) make it custom."""

    period = forms.ChoiceField(
        label=_("Period"), required=False, choices=[(k, v) for k, v in PRESETS.items()]
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data if data else None)
        # "from" is a Python keyword, so these two are added here rather than declared above.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=date_input)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=date_input)
        self.fields["period"].initial = DEFAULT_PRESET

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        first, last = cleaned.get("from"), cleaned.get("to")
        preset = cleaned.get("period") or ("custom" if first or last else DEFAULT_PRESET)
        cleaned["period"] = preset
        if preset == "custom":
            if first is None or last is None:
                name = "from" if first is None else "to"
                self.add_error(name, _("A custom period needs both its first and last day."))
                return cleaned
            for name, message in check_days(first, last).items():
                self.add_error(name, message)
        return cleaned

    def chosen(self) -> Period:
        """The chosen period (the default one when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return preset_period(DEFAULT_PRESET)
        preset = self.cleaned_data["period"]
        if preset == "custom":
            return from_days(self.cleaned_data["from"], self.cleaned_data["to"])
        return preset_period(preset)


class OrganizationForm(forms.Form):
    """The organization picker of a member of several constituents."""

    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, required=False)

    def __init__(self, data: Any, choices: list[tuple[int, str]]) -> None:
        super().__init__(data if data else None)
        field = self.fields["organization"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices
