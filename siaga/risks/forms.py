"""Forms of the risk pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siaga.accounts.models import User
from siaga.assessments.models import Assessment
from siaga.constituents.models import InventoryItem
from siaga.core.forms import FastSelect
from siaga.incidents.models import Incident
from siaga.risks import actions, inputs
from siaga.risks.choices import RiskCategory, RiskStatus, RiskTreatment
from siaga.risks.models import DEFAULT_REVIEW_CYCLE_DAYS, MAX_REVIEW_CYCLE_DAYS, Risk
from siaga.risks.scale import get_scale

SEPARATORS = re.compile(r"[\s,;]+")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _tokens(text: str) -> list[str]:
    return [token for token in SEPARATORS.split(text or "") if token]


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organization.name} — {obj}"


class RiskForm(forms.Form):
    """A risk's fields; ``organization`` only when the risk is new (it is fixed afterwards)."""

    organization = forms.ChoiceField(label=_("Register"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    asset = forms.CharField(
        label=_("Asset or system"),
        max_length=300,
        required=False,
        help_text=_("What is at risk, e.g. the hospital information system or patient records."),
    )
    inventory_item = ItemChoiceField(
        label=_("Inventory item"),
        queryset=InventoryItem.objects.none(),
        required=False,
        widget=FastSelect,
    )
    threat = forms.CharField(
        label=_("Threat"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    vulnerability = forms.CharField(
        label=_("Vulnerability"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    owner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False
    )
    inherent_likelihood = forms.TypedChoiceField(label=_("Inherent likelihood"), coerce=int)
    inherent_impact = forms.TypedChoiceField(label=_("Inherent impact"), coerce=int)
    residual_likelihood = forms.TypedChoiceField(label=_("Residual likelihood"), coerce=int)
    residual_impact = forms.TypedChoiceField(label=_("Residual impact"), coerce=int)
    rating_reason = forms.CharField(
        label=_("Reason for the rating"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when you change a rating; kept in the rating history."),
    )
    treatment = forms.ChoiceField(label=_("Treatment"), choices=RiskTreatment.choices)
    treatment_plan = forms.CharField(
        label=_("Treatment plan"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    due_date = forms.DateField(label=_("Treatment due"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)
    review_cycle_days = forms.IntegerField(
        label=_("Review cycle (days)"),
        min_value=1,
        max_value=MAX_REVIEW_CYCLE_DAYS,
        initial=DEFAULT_REVIEW_CYCLE_DAYS,
    )
    next_review_date = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty: one review cycle from today."),
    )
    assessment = forms.ModelChoiceField(
        label=_("Assessment"),
        queryset=Assessment.objects.none(),
        required=False,
        widget=FastSelect,
        help_text=_("The assessment whose results showed the risk, if any."),
    )
    incidents = forms.CharField(
        label=_("Incidents"),
        required=False,
        max_length=5000,
        help_text=_("Incident references, separated by spaces or commas."),
    )
    findings = forms.CharField(
        label=_("Exposure findings"),
        required=False,
        max_length=2000,
        help_text=_("Finding numbers, separated by spaces or commas."),
    )

    def __init__(self, *args: Any, user: Any, risk: Risk | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.risk = user, risk
        self._rating_choices()
        if risk is None:
            organizations = inputs.organizations_for(user, "add")
            choices: list[tuple[str, Any]] = []
            if inputs.may_add_sector(user):
                choices.append(("", _("Sector-level risk (coordination group)")))
            choices += [(str(org.pk), org.name) for org in organizations]
            self.fields["organization"].choices = choices  # type: ignore[attr-defined]
            items = InventoryItem.objects.filter(organization__in=organizations)
            owners = inputs.owner_candidates(None) if inputs.may_add_sector(user) else None
            members = User.objects.filter(
                memberships__organization__in=organizations, is_active=True
            )
            owner_q = Q(pk__in=members.values("pk"))
            if owners is not None:
                owner_q |= Q(pk__in=owners.values("pk"))
            owner_choices = User.objects.filter(owner_q)
        else:
            del self.fields["organization"]
            items = InventoryItem.objects.filter(organization_id=risk.organization_id or 0)
            owner_choices = inputs.owner_candidates(risk.organization)
        assessments = Assessment.objects.restrict(user, "view").select_related(
            "campaign", "organization"
        )
        if risk is None:
            if not inputs.may_add_sector(user):
                assessments = assessments.filter(organization__in=organizations)
        elif risk.organization_id:
            assessments = assessments.filter(organization_id=risk.organization_id)
        self.fields["assessment"].queryset = assessments.order_by("-pk")  # type: ignore[attr-defined]
        self.fields["inventory_item"].queryset = (  # type: ignore[attr-defined]
            items.select_related("organization").order_by("organization__name", "name", "pk")
        )
        self.fields["owner"].queryset = owner_choices.order_by("full_name", "email")  # type: ignore[attr-defined]

    def _rating_choices(self) -> None:
        scale = get_scale()
        likelihood = [(i, f"{i} — {label}") for i, label in enumerate(scale.likelihood_labels(), 1)]
        impact = [(i, f"{i} — {label}") for i, label in enumerate(scale.impact_labels(), 1)]
        for name in inputs.RATING_FIELDS:
            field = self.fields[name]
            field.choices = likelihood if name.endswith("likelihood") else impact  # type: ignore[attr-defined]

    def clean_incidents(self) -> list[int]:
        references = _tokens(self.cleaned_data["incidents"])
        found = dict(
            Incident.objects.restrict(self.user, "view")
            .filter(reference__in=references)
            .values_list("reference", "pk")
        )
        unknown = [reference for reference in references if reference not in found]
        if unknown:
            raise forms.ValidationError(
                _("No incident you may see has the reference %(references)s.")
                % {"references": ", ".join(unknown[:10])}
            )
        return sorted(set(found.values()))

    def clean_findings(self) -> list[int]:
        tokens = _tokens(self.cleaned_data["findings"])
        if any(not token.isdigit() or len(token) > 18 for token in tokens):
            raise forms.ValidationError(_("Give finding numbers only."))
        return sorted({int(token) for token in tokens})

    def values(self) -> dict[str, Any]:
        """What the actions take: the cleaned fields with ids for the related rows."""
        data = dict(self.cleaned_data)
        for name in ("owner", "inventory_item", "assessment"):
            data[name] = data[name].pk if data.get(name) else None
        if "organization" in data:
            data["organization"] = int(data["organization"]) if data["organization"] else None
        return data


def initial_for(user: Any, risk: Risk) -> dict[str, Any]:
    """The edit form's starting values (only the links the user may see)."""
    values = actions.current_values(risk)
    incidents = risk.incidents.filter(
        pk__in=Incident.objects.restrict(user, "view").values("pk")
    ).order_by("reference")
    values["incidents"] = " ".join(incidents.values_list("reference", flat=True))
    hidden = {row.pk for row in actions.hidden_links(user, risk)["findings"]}
    values["findings"] = " ".join(str(pk) for pk in sorted(values["findings"]) if pk not in hidden)
    return values


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label=_("Review notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("What was checked and concluded."),
    )
    next_review_date = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty: one review cycle from today."),
    )
