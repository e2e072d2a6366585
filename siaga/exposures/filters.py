"""The findings list's filters, read from the query string; the same rules serve the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.exposures.actions import finding_filter_q
from siaga.exposures.choices import FindingStatus
from siaga.organizations.models import Organization

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class FindingFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Constituent"), queryset=Organization.objects.none(), required=False
    )
    cve = forms.CharField(label=_("CVE"), max_length=32, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *FindingStatus.choices], required=False
    )
    kev = forms.ChoiceField(label=_("In CISA KEV"), choices=YES_NO, required=False)
    overdue = forms.ChoiceField(label=_("Overdue"), choices=YES_NO, required=False)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def apply(self, findings: QuerySet) -> QuerySet:
        if not self.is_valid():
            return findings.none()
        data = self.cleaned_data

        def flag(name: str) -> bool | None:
            return {"yes": True, "no": False}.get(data.get(name) or "")

        organization = data.get("organization")
        return findings.filter(
            finding_filter_q(
                organization=organization.pk if organization else None,
                kev=flag("kev"),
                status=data.get("status") or None,
                overdue=flag("overdue"),
                cve=data.get("cve") or None,
            )
        )
