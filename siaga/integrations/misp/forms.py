"""Forms of the MISP pages: an import with its default labels, and a new feed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP
from siaga.sharing.forms import SharingFieldsMixin

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class ImportForm(SharingFieldsMixin, forms.Form):
    """A MISP event (.json) or a feed directory (.zip) and the labels to use where the event has
    none of its own."""

    source_permission = "indicator.add"

    file = forms.FileField(
        label=_("MISP event or feed"),
        help_text=_(
            "An event exported from MISP (.json), or a feed directory (manifest.json, the event "
            "files and hashes.csv) as a .zip."
        ),
    )

    field_order = ["file", "organization", "tlp", "distribution", "sharing_group"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # TLP:RED is for named people; an import cannot name them.
        del self.fields["recipients"]
        tlp = self.fields["tlp"]
        tlp.choices = [c for c in TLP.choices if c[0] != TLP.RED]  # type: ignore[attr-defined]
        tlp.help_text = _("Used where the event and the attribute carry no TLP tag.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB.") % {"max": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class FeedForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    organization = forms.ModelChoiceField(
        label=_("Audience"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("The public (TLP:CLEAR, public distribution only)"),
        help_text=_(
            "The feed holds what this organization may see (never TLP:RED). Leave empty for a "
            "public feed."
        ),
    )
