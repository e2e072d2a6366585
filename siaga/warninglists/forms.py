"""Forms of the warninglist pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import ObservableType
from siaga.warninglists.loader import MAX_FILE_BYTES

MAX_UPLOAD_BYTES = min(MAX_FILE_BYTES, 20 * 1024 * 1024)


class EntrySearchForm(forms.Form):
    q = forms.CharField(label=_("Search entries"), required=False, max_length=200)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("List file (list.json)"),
        help_text=_("A warninglist in the MISP format: name, version, type, list."),
    )

    def clean_file(self) -> tuple[str, bytes]:
        """(file name, content) of the upload."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return str(upload.name or ""), bytes(upload.read())


class CheckForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=ObservableType.choices)
    value = forms.CharField(label=_("Value"), max_length=2048)
