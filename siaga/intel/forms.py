"""Forms of the indicator pages: one indicator, its edit, a sighting, and many values at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.sharing.forms import SharingFieldsMixin

MAX_BULK_LINES = 10_000
MAX_BULK_CHARACTERS = 2_000_000


class ListField(forms.CharField):
    """A comma- or line-separated list typed into one box (tags, ATT&CK techniques)."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        items = [item.strip() for item in text.replace("\n", ",").split(",")]
        return [item for item in items if item]

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value


def _seen_field(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."),
    )


class IndicatorFieldsMixin(forms.Form):
    """The descriptive fields of an indicator, shared by the create and edit forms."""

    confidence = forms.IntegerField(
        label=_("Confidence"),
        initial=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 to 100: how far the source trusts it."),
    )
    first_seen = _seen_field(_("First seen"))
    last_seen = _seen_field(_("Last seen"))
    valid_until = _seen_field(_("Valid until"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=forms.Textarea
    )
    tags = ListField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    attack_techniques = ListField(
        label=_("ATT&CK techniques"), required=False, help_text=_("Such as T1566.001, T1486.")
    )
    rsit = forms.CharField(label=_("RSIT classification"), required=False, max_length=64)
    source_ref = forms.CharField(label=_("Source reference"), required=False, max_length=200)


class IndicatorForm(SharingFieldsMixin, IndicatorFieldsMixin):
    """A new indicator: its type and value, what is known about it, and whom it is shared with."""

    source_permission = "indicator.add"

    type = forms.ChoiceField(label=_("Type"), choices=ObservableType.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=MAX_VALUE_LENGTH,
        help_text=_("Defanged values (hxxp, [.]) are accepted."),
    )
    field_order = ["type", "value", "organization", "tlp", "distribution", "sharing_group"]

    def action_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in INDICATOR_FORM_FIELDS}
        data["description"] = data["description"] or ""
        return {**data, **self.sharing_data()}


INDICATOR_FORM_FIELDS = (
    "type",
    "value",
    "confidence",
    "first_seen",
    "last_seen",
    "valid_until",
    "description",
    "tags",
    "attack_techniques",
    "rsit",
    "source_ref",
)


class IndicatorEditForm(SharingFieldsMixin, IndicatorFieldsMixin):
    """The changeable fields of an indicator (its type, value and source stay)."""

    alerting = forms.BooleanField(
        label=_("Used for alerting"),
        required=False,
        help_text=_("Values on a warninglist are kept out of alerting unless you turn it on."),
    )

    def __init__(self, *args: Any, indicator: Any, user: Any, **kwargs: Any) -> None:
        initial = {name: getattr(indicator, name) for name in EDIT_FIELDS}
        initial["sharing_group"] = indicator.sharing_group_id
        initial["recipients"] = list(indicator.recipients.values_list("pk", flat=True))
        super().__init__(*args, user=user, choose_organization=False, initial=initial, **kwargs)
        for name in ("first_seen", "last_seen"):
            self.fields[name].required = True

    def action_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in EDIT_FIELDS}
        data["description"] = data["description"] or ""
        data.update(self.sharing_data())
        return data


EDIT_FIELDS = (
    "confidence",
    "first_seen",
    "last_seen",
    "valid_until",
    "description",
    "tags",
    "attack_techniques",
    "rsit",
    "source_ref",
    "alerting",
    "tlp",
    "distribution",
)


class SightingForm(forms.Form):
    """ "We saw it too" (or: it is a false positive), posted from the indicator's page."""

    last_seen = _seen_field(_("Seen at"))
    count = forms.IntegerField(label=_("How many times"), initial=1, min_value=1, max_value=10**9)
    where = forms.CharField(label=_("Where"), required=False, max_length=200)
    is_false_positive = forms.BooleanField(label=_("It is a false positive"), required=False)
    disable_alerting = forms.BooleanField(
        label=_("Turn alerting off for this indicator"),
        required=False,
        help_text=_("Only for a false positive of your own organization's indicator."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea)

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("last_seen") is None:
            data.pop("last_seen", None)
        return data


class BulkAddForm(SharingFieldsMixin, forms.Form):
    """Many values pasted at once, one a line; the type of each is guessed unless chosen."""

    source_permission = "indicator.add"

    values = forms.CharField(
        label=_("Values"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=MAX_BULK_CHARACTERS,
        help_text=_("One a line; defanged values are accepted. At most 10,000 lines."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Guess each line's type")), *ObservableType.choices],
        required=False,
    )
    confidence = forms.IntegerField(
        label=_("Confidence"), initial=50, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    tags = ListField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    description = forms.CharField(label=_("Description"), required=False, max_length=20000)
    field_order = ["values", "type"]

    def clean_values(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["values"].splitlines()]
        if len(lines) > MAX_BULK_LINES:
            raise forms.ValidationError(
                _("At most %(max)d lines at once; this has %(count)d.")
                % {"max": MAX_BULK_LINES, "count": len(lines)}
            )
        return lines
