"""Forms of the sharing-group pages. They only parse input; the rules live in ``actions``.

(``siaga.sharing.forms`` holds the sharing fields other apps' forms reuse.)
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.core.forms import FastSelect, FastSelectMultiple
from siaga.organizations.models import Organization
from siaga.sharing.models import SharingGroup


class SharingGroupForm(forms.ModelForm):
    """Name and description; when creating, also the owner (if there is a choice) and members."""

    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=Organization.objects.none(), widget=FastSelect
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=Organization.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 8}),
        help_text=_("The owner is always a member. More can be added later."),
    )

    class Meta:
        model = SharingGroup
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(
        self,
        *args: Any,
        owners: QuerySet[Organization] | None = None,
        candidates: QuerySet[Organization] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if owners is None or len(owners[:2]) < 2:
            del self.fields["owner"]  # editing, or only one CERT to choose: nothing to ask
        else:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        if candidates is None:
            del self.fields["members"]
        else:
            self.fields["members"].queryset = candidates  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        # The action checks the name (case-insensitively) and says so on the field.
        pass

    def changes(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.fields}
        if "members" in data:
            data["members"] = list(data["members"])
        return data


class AddMemberForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), widget=FastSelect
    )

    def __init__(self, *args: Any, candidates: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = candidates  # type: ignore[attr-defined]
