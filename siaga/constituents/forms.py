"""Forms of the registry pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.constituents.actions import CONTACT_FIELDS, INVENTORY_FIELDS, PROFILE_FIELDS
from siaga.constituents.choices import AssetKind, NotificationKind, ReviewDecision
from siaga.constituents.inventory_csv import MAX_BYTES
from siaga.constituents.models import ConstituentProfile, Contact, InventoryItem


class ChangesMixin:
    cleaned_data: dict[str, Any]
    fields: dict[str, Any]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class ProfileForm(ChangesMixin, forms.ModelForm):
    class Meta:
        model = ConstituentProfile
        fields = list(PROFILE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


class ContactForm(ChangesMixin, forms.ModelForm):
    notification_kinds = forms.MultipleChoiceField(
        label=_("Notifications"),
        required=False,
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What this contact receives from the CERT."),
    )

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)


class AssetForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AssetKind.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=300,
        help_text=_("A network (192.0.2.0/24, 2001:db8::/48), an AS number (AS64500) or a domain."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class InventoryItemForm(ChangesMixin, forms.ModelForm):
    class Meta:
        model = InventoryItem
        fields = list(INVENTORY_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "cpe": _("For example cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*"),
            "purl": _("For example pkg:pypi/django@5.0"),
        }


class InventoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, at most 2 MB and 10,000 rows; the first row names the columns."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class LookupForm(forms.Form):
    value = forms.CharField(
        label=_("IP address, domain, URL, e-mail address or AS number"), max_length=2048
    )
