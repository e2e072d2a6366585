"""The sharing fields of every form that creates or edits shared objects.

``SharingFieldsMixin`` adds to a form the labels a ``Shareable`` carries — TLP, distribution,
sharing group, the named recipients of TLP:RED — and the source organization when the user has
more than one to choose from. Its ``clean()`` applies ``validate_sharing`` (the same rule the
models and the API apply) and puts each error on the field it is about.

Use it as the first base of a ``forms.Form`` or ``forms.ModelForm`` and pass ``user=``::

    class IndicatorForm(SharingFieldsMixin, forms.ModelForm):
        source_permission = "indicator.add"  # the organizations offered as source
        ...

    form = IndicatorForm(request.POST, user=request.user)
    if form.is_valid():
        labels = form.sharing_data()  # organization, tlp, distribution, sharing_group, recipients

``sharing_data()`` is what an action takes; a ModelForm that lists the field names in
``Meta.fields`` also gets them saved by ``form.save()``. Pass ``choose_organization=False`` when
editing an object whose source organization is fixed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.accounts.models import User
from siaga.accounts.roles import principal_for
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, validate_sharing

SHARING_FIELDS = ("organization", "tlp", "distribution", "sharing_group", "recipients")


def source_organizations(user: Any, permission: str | None = None) -> QuerySet[Organization]:
    """The active organizations the user belongs to (holding ``permission`` there, if given)."""
    principal = principal_for(user)
    org_ids = {
        org_id
        for org_id, _role in principal.roles
        if permission is None or principal.has_perm(permission, org_id)
    }
    return Organization.objects.filter(pk__in=sorted(org_ids), is_active=True).order_by("name")


def shareable_groups(user: Any) -> QuerySet[SharingGroup]:
    """The active sharing groups the user may share to: those their organizations own or belong
    to; the CERT's staff may share to any active group."""
    groups = SharingGroup.objects.filter(is_active=True).order_by("name")
    principal = principal_for(user)
    if principal.is_cert_staff:
        return groups
    org_ids = frozenset(org_id for org_id, _role in principal.roles)
    return groups.filter(SharingGroup.restrict_org_q(org_ids))


def possible_recipients(user: Any) -> QuerySet[User]:
    """The people a TLP:RED object may be addressed to: members of the organizations the user
    may see."""
    visible = Organization.objects.restrict(user, "view").filter(is_active=True)
    return (
        User.objects.filter(is_active=True, memberships__organization__in=visible)
        .distinct()
        .order_by("full_name", "email")
    )


class SharingFieldsMixin(forms.Form):
    """TLP, distribution, sharing group, TLP:RED recipients and source organization; see the
    module's docstring."""

    # The permission the user must hold in an organization for it to be offered as the source.
    source_permission: str | None = None

    organization = forms.ModelChoiceField(
        label=_("Source organization"),
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text=_("The organization this information comes from."),
    )
    tlp = forms.ChoiceField(label=_("TLP"), choices=TLP.choices, initial=TLP.AMBER)
    distribution = forms.ChoiceField(
        label=_("Distribution"),
        choices=Distribution.choices,
        initial=Distribution.ORGANIZATION,
        help_text=_("Who it is shared with; the TLP may narrow it further."),
    )
    sharing_group = forms.ModelChoiceField(
        label=_("Sharing group"),
        queryset=SharingGroup.objects.none(),
        required=False,
        help_text=_("Only with the sharing-group distribution."),
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Named recipients"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("TLP:RED only: the people it is addressed to."),
    )

    def __init__(self, *args: Any, user: Any, choose_organization: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sharing_group"].queryset = shareable_groups(user)  # type: ignore[attr-defined]
        self.fields["recipients"].queryset = possible_recipients(user)  # type: ignore[attr-defined]
        self._fixed_organization: Organization | None = None
        if choose_organization:
            self._set_up_organization(source_organizations(user, self.source_permission))
        else:
            del self.fields["organization"]

    def _set_up_organization(self, organizations: QuerySet[Organization]) -> None:
        field = self.fields["organization"]
        field.queryset = organizations  # type: ignore[attr-defined]
        first_two = list(organizations[:2])
        if len(first_two) == 1:
            # Nothing to choose: the one organization is the source.
            self._fixed_organization = first_two[0]
            del self.fields["organization"]
        elif first_two:
            field.initial = first_two[0].pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned is None:  # a subclass's clean() may return nothing
            cleaned = self.cleaned_data
        if "organization" not in self.fields and self._fixed_organization is not None:
            cleaned["organization"] = self._fixed_organization
        tlp, distribution = cleaned.get("tlp"), cleaned.get("distribution")
        recipients = list(cleaned.get("recipients") or [])
        if tlp and distribution:
            try:
                validate_sharing(tlp, distribution, cleaned.get("sharing_group"), bool(recipients))
            except ValidationError as exc:
                self._add_sharing_errors(exc)
        if recipients and tlp and tlp != TLP.RED:
            self.add_error("recipients", _("Named recipients are only used with TLP:RED."))
        return cleaned

    def _add_sharing_errors(self, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    def sharing_data(self) -> dict[str, Any]:
        """The validated labels, as the actions take them."""
        data = {name: self.cleaned_data.get(name) for name in SHARING_FIELDS}
        data["recipients"] = list(data["recipients"] or [])
        if "organization" not in self.fields and self._fixed_organization is None:
            data.pop("organization")  # fixed by the object being edited
        return data
