"""Filters of the advisory lists: one function for the page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.advisories.choices import AdvisoryKind, AdvisoryStatus
from siaga.advisories.models import Advisory


def filter_advisories(
    advisories: QuerySet[Advisory], data: dict[str, Any], *, search_titles: bool = True
) -> QuerySet[Advisory]:
    """``status``, ``kind`` and ``q`` (words of the tracking id or a title), each optional.

    ``search_titles`` is False for readers of published revisions only: the working copy's titles
    (an update not yet approved) must not be probed by searching."""
    if data.get("status"):
        advisories = advisories.filter(status=data["status"])
    if data.get("kind"):
        advisories = advisories.filter(kind=data["kind"])
    for word in str(data.get("q") or "").split()[:10]:
        match = Q(tracking_id__icontains=word)
        if search_titles:
            match |= Q(title_id__icontains=word) | Q(title_en__icontains=word)
        advisories = advisories.filter(match)
    return advisories


class AdvisoryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *AdvisoryStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *AdvisoryKind.choices], required=False
    )
    q = forms.CharField(label=_("Search"), max_length=200, required=False)

    def filters(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}
