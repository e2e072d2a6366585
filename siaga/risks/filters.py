"""The register's filters, read from the query string; ``risk_filter_q`` serves the API too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.accounts.models import User
from siaga.organizations.models import Organization
from siaga.risks.choices import ACTIVE_STATUSES, RiskCategory, RiskStatus
from siaga.risks.scale import get_scale

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
SECTOR = "sector"
MAX_SEARCH = 200


def level_q(level: str, rating: str = "residual") -> Q:
    """Risks whose rating's score falls in the level's band (an unknown level matches nothing)."""
    band = get_scale().level_by_key(level)
    if band is None:
        return Q(pk__in=[])
    return Q(**{f"{rating}_score__gte": band.min, f"{rating}_score__lte": band.max})


def overdue_q() -> Q:
    return Q(status__in=list(ACTIVE_STATUSES), next_review_date__lt=timezone.localdate())


def risk_filter_q(
    *,
    level: str | None = None,
    status: str | None = None,
    category: str | None = None,
    organization: int | str | None = None,
    owner: int | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> Q:
    """``organization``: an id, or ``"sector"`` for the sector-level risks; ``level``: the residual
    rating's level key."""
    where = Q()
    if level:
        where &= level_q(level)
    if status:
        where &= Q(status=status)
    if category:
        where &= Q(category=category)
    if organization == SECTOR:
        where &= Q(organization__isnull=True)
    elif organization:
        where &= Q(organization_id=organization)
    if owner:
        where &= Q(owner_id=owner)
    if overdue is not None:
        where &= overdue_q() if overdue else ~overdue_q()
    if q and q.strip():
        text = q.strip()[:MAX_SEARCH]
        where &= (
            Q(title__icontains=text) | Q(asset__icontains=text) | Q(description__icontains=text)
        )
    return where


class RiskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH)
    level = forms.ChoiceField(label=_("Residual level"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *RiskStatus.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any")), *RiskCategory.choices], required=False
    )
    organization = forms.ChoiceField(label=_("Constituent"), required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Any")
    )
    overdue = forms.ChoiceField(label=_("Review overdue"), choices=YES_NO, required=False)

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        owners: QuerySet[User],
        sector: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        levels = [(level.key, level.name) for level in get_scale().levels]
        self.fields["level"].choices = [("", _("Any")), *levels]  # type: ignore[attr-defined]
        choices: list[tuple[str, Any]] = [("", _("Any"))]
        if sector:
            choices.append((SECTOR, _("Sector-level risks")))
        choices += [(str(org.pk), org.name) for org in organizations]
        self.fields["organization"].choices = choices  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def apply(self, risks: QuerySet) -> QuerySet:
        if not self.is_valid():
            return risks.none()
        data = self.cleaned_data
        owner = data.get("owner")
        return risks.filter(
            risk_filter_q(
                level=data.get("level") or None,
                status=data.get("status") or None,
                category=data.get("category") or None,
                organization=data.get("organization") or None,
                owner=owner.pk if owner else None,
                overdue={"yes": True, "no": False}.get(data.get("overdue") or ""),
                q=data.get("q") or None,
            )
        )

    def as_filters(self) -> dict[str, Any]:
        """The filters in force, for the export's audit entry."""
        if not self.is_valid():
            return {}
        return {k: str(v.pk if hasattr(v, "pk") else v) for k, v in self.cleaned_data.items() if v}
