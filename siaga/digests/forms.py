"""Forms of the digest pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.constituents.models import Contact
from siaga.digests.actions import SUBSCRIPTION_FIELDS
from siaga.digests.models import DigestSubscription
from siaga.incidents.taxonomy import RsitType
from siaga.organizations.models import Organization


class SubscriptionForm(forms.ModelForm):
    """Create or edit a subscription; ``organizations`` is given only when creating."""

    classification_types = forms.MultipleChoiceField(
        label=_("Classification types"),
        help_text=_("None chosen: every type."),
        choices=RsitType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DigestSubscription
        fields = list(SUBSCRIPTION_FIELDS)

    def __init__(
        self, *args: Any, organizations: Any = None, contacts: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        contact_field: Any = self.fields["contact"]
        contact_field.queryset = contacts if contacts is not None else Contact.objects.none()
        if organizations is not None:
            field = forms.ModelChoiceField(
                label=_("Organization"), queryset=organizations, empty_label=None
            )
            self.fields = {"organization": field, **self.fields}

    def _post_clean(self) -> None:
        # The rules (contact of the organization, e-mail address) are checked by the action.
        pass

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SUBSCRIPTION_FIELDS}

    def organization(self) -> Organization:
        return self.cleaned_data["organization"]
