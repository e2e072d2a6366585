"""Filters of the indicator list; one ``filter_indicators`` serves the page and the API.

A value is matched exactly after normalization (``hxxp://evil[.]example`` finds the URL stored
as ``http://evil.example/``), through its value key and the index on it; ``value_match=contains``
searches a substring of the stored value instead. Tags and ATT&CK techniques are lists in JSON:
PostgreSQL answers "contains" with its JSON operator, SQLite with a search in the JSON text.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.forms import use_fast_selects
from siaga.core.observables import ObservableType, normalize, value_key
from siaga.intel.choices import SourceKind
from siaga.intel.decay import active_threshold, score_expression
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP
from siaga.sharing.models import SharingGroup

YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
VALUE_MATCHES = [("exact", _("Exact value")), ("contains", _("Contains"))]


def filter_indicators(
    queryset: QuerySet, data: dict[str, Any], *, now: datetime | None = None
) -> QuerySet:
    """Narrow ``queryset`` (already restricted to the user) by the filters given in ``data``:
    type, value (+ value_match), tlp, organization, source_kind, tag, technique, on_warninglist,
    alerting, seen_since, seen_until, sharing_group, active. Missing or empty keys are ignored."""
    now = now or timezone.now()
    kind = data.get("type") or ""
    if kind:
        queryset = queryset.filter(type=kind)
    if data.get("value"):
        queryset = _by_value(queryset, kind, str(data["value"]), data.get("value_match") or "")
    simple = {
        "tlp": "tlp",
        "organization": "organization_id",
        "source_kind": "source_kind",
        "sharing_group": "sharing_group_id",
    }
    for name, lookup in simple.items():
        value = data.get(name)
        if value not in (None, ""):
            queryset = queryset.filter(**{lookup: getattr(value, "pk", value)})
    if data.get("tag"):
        queryset = queryset.filter(_list_contains("tags", str(data["tag"])))
    if data.get("technique"):
        queryset = queryset.filter(
            _list_contains("attack_techniques", str(data["technique"]).upper())
        )
    queryset = _by_flags(queryset, data)
    if data.get("seen_since"):
        queryset = queryset.filter(last_seen__gte=_moment(data["seen_since"], time.min))
    if data.get("seen_until"):
        queryset = queryset.filter(first_seen__lte=_moment(data["seen_until"], time.max))
    if _yes(data.get("active")):
        queryset = queryset.alias(score_now=score_expression(now)).filter(
            score_now__gt=active_threshold()
        )
    return queryset


def _yes(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("yes", "true", "1", "on")


def _by_flags(queryset: QuerySet, data: dict[str, Any]) -> QuerySet:
    on_list = _yes(data.get("on_warninglist"))
    if on_list is not None:
        queryset = (
            queryset.exclude(warninglists=[]) if on_list else queryset.filter(warninglists=[])
        )
    alerting = _yes(data.get("alerting"))
    if alerting is not None:
        queryset = queryset.filter(alerting=alerting)
    return queryset


def _moment(value: Any, at: time) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, at))
    raise ValidationError(_("Enter a date."))


def exact_value_keys(kind: str, value: str) -> list[str]:
    """The value keys a typed-in value may stand for: of its type, or of every type that takes it."""
    kinds = [kind] if kind else list(ObservableType.values)
    keys = []
    for candidate in kinds:
        try:
            keys.append(value_key(candidate, normalize(candidate, value)))
        except ValidationError:
            continue
    return keys


def _by_value(queryset: QuerySet, kind: str, value: str, match: str) -> QuerySet:
    if match == "contains":
        return queryset.filter(value__icontains=value.strip())
    keys = exact_value_keys(kind, value)
    return queryset.filter(value_key__in=keys) if keys else queryset.none()


def _list_contains(field: str, item: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [item]})
    # SQLite has no JSON containment: look for the item, quoted as JSON writes it, in the text.
    return Q(**{f"{field}__icontains": json.dumps(item)})


class IndicatorFilterForm(forms.Form):
    """The list page's filters (GET); ``apply`` runs ``filter_indicators`` with them."""

    value = forms.CharField(label=_("Value"), required=False, max_length=2048)
    value_match = forms.ChoiceField(
        label=_("Match"), choices=VALUE_MATCHES, required=False, initial="exact"
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Any type")), *ObservableType.choices], required=False
    )
    tlp = forms.ChoiceField(label=_("TLP"), choices=[("", _("Any")), *TLP.choices], required=False)
    organization = forms.ModelChoiceField(
        label=_("Source organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    source_kind = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any")), *SourceKind.choices], required=False
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
    technique = forms.CharField(label=_("ATT&CK technique"), required=False, max_length=20)
    on_warninglist = forms.ChoiceField(label=_("On a warninglist"), choices=YES_NO, required=False)
    alerting = forms.ChoiceField(label=_("Used for alerting"), choices=YES_NO, required=False)
    seen_since = forms.DateField(
        label=_("Seen since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    seen_until = forms.DateField(
        label=_("Seen until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sharing_group = forms.ModelChoiceField(
        label=_("Sharing group"),
        queryset=SharingGroup.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    active = forms.BooleanField(label=_("Active only"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data or None)
        self.fields["organization"].queryset = Organization.objects.restrict(  # type: ignore[attr-defined]
            user, "view"
        ).order_by("name")
        self.fields["sharing_group"].queryset = SharingGroup.objects.restrict(  # type: ignore[attr-defined]
            user, "view"
        ).order_by("name")
        use_fast_selects(self)

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(
            value not in (None, "") for name, value in self.data.items() if name != "page"
        )

    def apply(self, queryset: QuerySet) -> QuerySet:
        if not self.is_bound:
            return queryset
        if not self.is_valid():
            return queryset.none()  # the errors are shown next to the fields
        return filter_indicators(queryset, self.cleaned_data)
