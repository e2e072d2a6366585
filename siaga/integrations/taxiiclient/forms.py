"""The form of a remote TAXII collection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from siaga.core.forms import add_validation_error
from siaga.integrations.taxiiclient.choices import AuthKind
from siaga.integrations.taxiiclient.models import PUSHABLE_TLP, RemoteCollection
from siaga.sharing.models import validate_sharing


class RemoteCollectionForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("Password or token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one."),
    )

    class Meta:
        model = RemoteCollection
        fields = [
            "name",
            "api_root_url",
            "collection_id",
            "auth_kind",
            "username",
            "verify_tls",
            "page_size",
            "pull_enabled",
            "pull_every_minutes",
            "source_organization",
            "tlp",
            "distribution",
            "sharing_group",
            "push_enabled",
            "push_from",
        ]

    def clean_page_size(self) -> int:
        size = self.cleaned_data["page_size"]
        if not 1 <= size <= 10000:
            raise ValidationError(_("Ask for between 1 and 10,000 objects per request."))
        return size

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if {"tlp", "distribution"} <= data.keys():
            try:
                validate_sharing(data["tlp"], data["distribution"], data.get("sharing_group"))
            except ValidationError as error:
                add_validation_error(self, error)
        if data.get("auth_kind") == AuthKind.BASIC and not data.get("username"):
            self.add_error("username", _("HTTP Basic needs a user name."))
        needs_secret = data.get("auth_kind") in (AuthKind.BASIC, AuthKind.TOKEN)
        if needs_secret and not data.get("secret") and not self.instance.secret:
            self.add_error("secret", _("Enter the password or token."))
        push_from = data.get("push_from")
        if data.get("push_enabled") and push_from is None:
            self.add_error("push_from", _("Choose the local collection to push."))
        if push_from is not None and push_from.tlp not in PUSHABLE_TLP:
            self.add_error(
                "push_from",
                _("TLP:AMBER+STRICT and TLP:RED never leave Siaga; choose another collection."),
            )
        return data
