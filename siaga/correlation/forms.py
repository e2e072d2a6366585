"""The form of the correlation page: a type and a value, as the query string carries them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType


class LookupForm(forms.Form):
    """Which value to look up. The value is checked against its type by the lookup itself."""

    type = forms.ChoiceField(label=_("Type"), choices=ObservableType.choices)
    value = forms.CharField(label=_("Value"), max_length=MAX_VALUE_LENGTH, strip=True)
