"""Forms of the advisory pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity, Answer
from siaga.advisories.models import LANGUAGES, TEXT_FIELDS, Advisory
from siaga.attack.forms import TechniqueIdsField
from siaga.constituents.choices import Province
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP

LANGUAGE_NAMES = {"id": _("Bahasa Indonesia"), "en": _("English")}
TEXT_LABELS = {
    "title": _("Title"),
    "summary": _("Summary"),
    "description": _("Description"),
    "remediation": _("Remediation"),
    "workarounds": _("Workarounds"),
}
# TLP:RED is not offered: an advisory goes to organizations (see actions.RED_REFUSED).
ADVISORY_TLPS = [(value, label) for value, label in TLP.choices if value != TLP.RED]


class IdsField(forms.CharField):
    """Ids separated by commas or spaces ("12, 15") → a list of ints."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 5000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def clean(self, value: Any) -> list[int]:
        text = super().clean(value) or ""
        parts = [part for part in re.split(r"[\s,;]+", text) if part]
        if not all(part.isdigit() and len(part) < 12 for part in parts):
            raise forms.ValidationError(_("Give numbers separated by commas."))
        return [int(part) for part in parts]


class AdvisoryForm(forms.Form):
    """The working copy: both languages side by side (``language_rows``), targets and links."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AdvisoryKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=AdvisorySeverity.choices)
    tlp = forms.ChoiceField(
        label=_("TLP"),
        choices=ADVISORY_TLPS,
        help_text=_("TLP:AMBER and AMBER+STRICT go only to the constituents you name."),
    )
    attack_techniques = TechniqueIdsField()
    incidents = IdsField(label=_("Incidents (ids)"))
    indicators = IdsField(label=_("Indicators (ids)"))
    target_inventory = forms.BooleanField(
        label=_("Constituents running an affected product"), required=False, initial=True
    )
    target_all = forms.BooleanField(label=_("All constituents"), required=False)
    target_constituent_types = forms.MultipleChoiceField(
        label=_("Constituent kinds"),
        choices=ConstituentType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    target_provinces = forms.MultipleChoiceField(
        label=_("Provinces"), choices=Province.choices, required=False
    )
    target_vital_only = forms.BooleanField(
        label=_("Vital-infrastructure constituents only"), required=False
    )
    target_organizations = forms.ModelMultipleChoiceField(
        label=_("Named constituents"),
        queryset=Organization.objects.none(),
        required=False,
    )

    TARGET_FIELDS = (
        "target_inventory",
        "target_all",
        "target_constituent_types",
        "target_provinces",
        "target_vital_only",
        "target_organizations",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            for language in LANGUAGES:
                label = f"{TEXT_LABELS[name]} ({LANGUAGE_NAMES[language]})"
                if name == "title":
                    field: forms.Field = forms.CharField(
                        label=label, max_length=300, required=False
                    )
                else:
                    field = forms.CharField(
                        label=label,
                        max_length=50_000,
                        required=False,
                        widget=forms.Textarea(attrs={"rows": 5}),
                    )
                self.fields[f"{name}_{language}"] = field
        organizations: Any = self.fields["target_organizations"]
        organizations.queryset = Organization.objects.filter(
            kind=OrganizationKind.CONSTITUENT, is_active=True
        ).order_by("name")

    @classmethod
    def initial_for(cls, advisory: Advisory) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(advisory, name)
            for name in (
                "kind",
                "severity",
                "tlp",
                "target_inventory",
                "target_all",
                "target_constituent_types",
                "target_provinces",
                "target_vital_only",
            )
        }
        for name in TEXT_FIELDS:
            for language in LANGUAGES:
                initial[f"{name}_{language}"] = getattr(advisory, f"{name}_{language}")
        initial["attack_techniques"] = list(
            advisory.attack_techniques.values_list("attack_id", flat=True)
        )
        initial["incidents"] = list(advisory.incidents.values_list("pk", flat=True))
        initial["indicators"] = list(advisory.indicators.values_list("pk", flat=True))
        initial["target_organizations"] = list(advisory.target_organizations.all())
        return initial

    def language_rows(self) -> list[tuple[Any, Any]]:
        """(Indonesian field, English field) per text, for the side-by-side layout."""
        return [(self[f"{name}_id"], self[f"{name}_en"]) for name in TEXT_FIELDS]

    def other_fields(self) -> list[Any]:
        return [
            self[name]
            for name in ("kind", "severity", "tlp", "attack_techniques", "incidents", "indicators")
        ]

    def target_fields(self) -> list[Any]:
        return [self[name] for name in self.TARGET_FIELDS]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["target_organizations"] = [org.pk for org in data.get("target_organizations") or []]
        return data


class CveForm(forms.Form):
    cve_id = forms.CharField(label=_("CVE"), max_length=32)
    cvss3_vector = forms.CharField(label=_("CVSS v3.1 vector"), max_length=200, required=False)
    cvss4_vector = forms.CharField(label=_("CVSS v4.0 vector"), max_length=300, required=False)


class ProductForm(forms.Form):
    vendor = forms.CharField(label=_("Vendor"), max_length=255)
    product = forms.CharField(label=_("Product"), max_length=500)
    versions = forms.CharField(
        label=_("Affected versions"), max_length=500, required=False, help_text=_("e.g. <2.4")
    )
    fixed_in = forms.CharField(label=_("Fixed in"), max_length=100, required=False)
    cpe = forms.CharField(label=_("CPE 2.3"), max_length=1000, required=False)
    purl = forms.CharField(label=_("Package URL"), max_length=2000, required=False)


class ReferenceForm(forms.Form):
    url = forms.CharField(label=_("Address"), max_length=2000)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)


CveFormSet = forms.formset_factory(CveForm, extra=1, can_delete=True, max_num=500)
ProductFormSet = forms.formset_factory(ProductForm, extra=1, can_delete=True, max_num=500)
ReferenceFormSet = forms.formset_factory(ReferenceForm, extra=1, can_delete=True, max_num=500)


def formset_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of a valid formset, without the deleted ones."""
    return [
        {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ApproveForm(forms.Form):
    change_summary_id = forms.CharField(
        label=_("What changed (Bahasa Indonesia)"), max_length=500, required=False
    )
    change_summary_en = forms.CharField(
        label=_("What changed (English)"), max_length=500, required=False
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Why it goes back to draft"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"), choices=Answer.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you ask for help: say what you need."),
    )
