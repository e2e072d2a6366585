"""Forms of the organization pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.accounts.roles import Principal, Role
from siaga.organizations.actions import ORGANIZATION_FIELDS
from siaga.organizations.models import Organization


def grantable_role_choices(
    principal: Principal, organization: Organization
) -> list[tuple[str, Any]]:
    """The roles this user may give in this organization, in the order roles are listed."""
    allowed = organization.allowed_roles()
    return [
        (value, label)
        for value, label in Role.choices
        if value in allowed and principal.can_grant(value, organization.pk)
    ]


class OrganizationForm(forms.ModelForm):
    """Create or edit an organization; ``editable`` drops the fields this user may not change."""

    class Meta:
        model = Organization
        fields = list(ORGANIZATION_FIELDS)

    def __init__(
        self, *args: Any, editable: Iterable[str] = ORGANIZATION_FIELDS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = set(editable)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No preselected role: whoever invites picks one, rather than granting the first listed.
        self.fields["role"].choices = [("", _("Choose a role")), *roles]  # type: ignore[attr-defined]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
