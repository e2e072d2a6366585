"""Filters of the vulnerability list, shared by the page (``VulnerabilityFilterForm``) and the API
(``filter_vulnerabilities``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from siaga.vulns.choices import CvssSeverity
from siaga.vulns.models import Vulnerability

MAX_SEARCH = 200
# Newest first: by publication (CVE record), then by KEV listing, then by CVE number.
ORDERING = (
    F("published").desc(nulls_last=True),
    F("kev_date_added").desc(nulls_last=True),
    "-cve_id",
)


def filter_vulnerabilities(
    queryset: QuerySet[Vulnerability],
    q: str = "",
    in_kev: bool | None = None,
    epss_min: float | None = None,
    severity: str = "",
) -> QuerySet[Vulnerability]:
    """``q``: part of a CVE id, or words of the title or description; ``severity``: the CVSS v3.1
    or v4.0 rating."""
    q = q.strip()[:MAX_SEARCH]
    if q:
        if q.upper().startswith("CVE-"):
            queryset = queryset.filter(cve_id__istartswith=q)
        else:
            queryset = queryset.filter(
                Q(cve_id__icontains=q) | Q(title__icontains=q) | Q(description__icontains=q)
            )
    if in_kev is not None:
        queryset = queryset.filter(in_kev=in_kev)
    if epss_min is not None:
        queryset = queryset.filter(epss_score__gte=epss_min)
    if severity:
        queryset = queryset.filter(Q(cvss3_severity=severity) | Q(cvss4_severity=severity))
    return queryset


class VulnerabilityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH)
    in_kev = forms.NullBooleanField(
        label=_("In CISA KEV"),
        required=False,
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    epss_min = forms.FloatField(
        label=_("EPSS at least"), required=False, min_value=0, max_value=1, step_size=None
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any")), *CvssSeverity.choices],
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"] or "",
            "in_kev": data["in_kev"],
            "epss_min": data["epss_min"],
            "severity": data["severity"] or "",
        }
