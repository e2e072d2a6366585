"""Forms of the finding pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.exposures.choices import SETTABLE_STATUSES


class FindingChangeForm(forms.Form):
    """A status change and/or a comment on a finding."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("(unchanged)"))] + [(s.value, s.label) for s in SETTABLE_STATUSES],
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_(
            "What was done or decided, e.g. the patch applied or why the risk is accepted."
        ),
    )
