"""Forms of the evidence pages. They only parse input; the checks on the file live in
``validation.py`` and the rules in ``actions.py``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.evidence.actions import MAX_DESCRIPTION_LENGTH


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the file comes from and what it shows."),
    )
    sealed = forms.BooleanField(
        label=_("Malware sample or archive to keep sealed"),
        required=False,
        help_text=_(
            "Keeps an archive that would otherwise be refused (unsafe paths, archive bomb, "
            "damaged). Open it only in an isolated analysis environment."
        ),
    )
