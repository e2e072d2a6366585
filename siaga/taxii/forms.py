"""The form that creates and edits a TAXII collection (labels checked in ``actions``)."""

from __future__ import annotations

from django import forms

from siaga.taxii.actions import COLLECTION_FIELDS
from siaga.taxii.models import Collection


class CollectionForm(forms.ModelForm):
    """Title, alias and the one cell of labels the collection serves."""

    class Meta:
        model = Collection
        fields = list(COLLECTION_FIELDS)
