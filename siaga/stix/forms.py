"""The upload form of STIX imports: a bundle file and the labels its objects get."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.sharing.forms import SharingFieldsMixin


class ImportForm(SharingFieldsMixin, forms.Form):
    """A STIX 2.0/2.1 bundle (JSON) and the sharing labels for its objects; an object marked
    with a stricter TLP keeps its own marking."""

    source_permission = "stixobject.add"

    file = forms.FileField(
        label=_("STIX bundle"),
        help_text=_("A STIX 2.0 or 2.1 bundle (JSON). Large files are imported in the background."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        # Imported objects are shared with organizations; TLP:RED ones go to the importer only.
        del self.fields["recipients"]
        self.fields["file"].widget.attrs["accept"] = ".json,application/json,application/stix+json"
        self.order_fields(["file"])
