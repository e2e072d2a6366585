"""Forms of incident deadlines: recording a legal notice as sent, or as not required."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

NOTICE_LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]


class NoticeSentForm(forms.Form):
    sent_to = forms.CharField(
        label=_("Sent to"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who received the notice, e.g. the authority's address and the patients."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WaiveClockForm(forms.Form):
    note = forms.CharField(
        label=_("Why no notice is required"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoticeLanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False, choices=NOTICE_LANGUAGES)

    def language_code(self) -> str:
        """The chosen language; Bahasa Indonesia (the legal language) when none or a bad one."""
        if self.is_valid() and self.cleaned_data["language"]:
            return str(self.cleaned_data["language"])
        return "id"
