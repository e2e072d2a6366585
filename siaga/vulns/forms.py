"""The import page's form: what kind of data, and the files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.vulns.actions import MAX_IMPORT_FILES, max_import_bytes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    KIND_CHOICES = [
        ("kev", _("CISA KEV catalog (JSON)")),
        ("cve", _("CVE JSON 5 records (JSON, one or more)")),
        ("epss", _("EPSS scores (CSV, gzip'd or not)")),
        ("csaf", _("Vendor CSAF 2.0 advisories (JSON, one or more)")),
    ]

    kind = forms.ChoiceField(label=_("Kind of data"), choices=KIND_CHOICES)
    file = MultipleFileField(label=_("Files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "KEV and EPSS: one file; CVE and CSAF: up to %(count)d files, %(mb)d MB together."
        ) % {"count": MAX_IMPORT_FILES, "mb": max_import_bytes() // 2**20}

    def clean_file(self) -> list[Any]:
        uploads: list[Any] = self.cleaned_data["file"]
        limit = max_import_bytes()
        if len(uploads) > MAX_IMPORT_FILES:
            raise forms.ValidationError(
                _("At most %(count)d files at once.") % {"count": MAX_IMPORT_FILES}
            )
        for upload in uploads:
            if (upload.size or 0) > limit:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(limit)d MB.")
                    % {"name": upload.name, "limit": limit // 2**20}
                )
        if sum(upload.size or 0 for upload in uploads) > limit:
            raise forms.ValidationError(
                _("The files together are larger than %(limit)d MB.") % {"limit": limit // 2**20}
            )
        return uploads
