"""A constituent's own dashboard: its incidents, the feed events about its networks, its open
exposure findings and its assessment results, each read through the viewer's ``restrict()`` (the
roll-ups have no rows to restrict: the viewer must hold ``event.view`` for the organization)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.dashboards import charts, figures
from siaga.dashboards.panels import Panel, counts_panel, over_time_panel
from siaga.dashboards.periods import Period
from siaga.dashboards.sector import _pairs, _series
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization


def organizations_of(user: Any) -> QuerySet[Organization]:
    """The active constituents the user is a member of (the organization picker's choices)."""
    return (
        Organization.objects.filter(
            memberships__user_id=user.pk, kind=OrganizationKind.CONSTITUENT, is_active=True
        )
        .distinct()
        .order_by("name")
    )


def gather(user: Any, organization: Organization, period: Period) -> dict[str, Any]:
    from siaga.exposures.models import Finding
    from siaga.incidents.models import Incident

    start, end = period.start, period.end
    principal = principal_for(user)
    incidents = figures.constituent_incidents(
        Incident.objects.restrict(user, "view"), organization.pk, start, end
    )
    data: dict[str, Any] = {
        "organization": {"id": organization.pk, "name": organization.name},
        "period": {"start": start.isoformat(), "end": end.isoformat(), "preset": period.preset},
        "incidents": {**incidents, "by_type": _pairs(incidents["by_type"])},
        "events": None,
        "findings_by_severity": _pairs(
            figures.open_findings_by_severity(
                Finding.objects.restrict(user, "view"), organization.pk
            )
        ),
        "assessments": assessment_trend(user, organization.pk),
    }
    if principal.has_perm("event.view", organization.pk):
        events = figures.constituent_events(organization.pk, start, end)
        data["events"] = {
            "by_type": _pairs(events["by_type"]),
            "over_time": _series(events["over_time"]),
        }
    return data


def assessment_trend(user: Any, organization_id: int) -> list[dict[str, Any]]:
    """Accepted assessments of the organization, oldest first, if the user may see its assessments."""
    if not principal_for(user).has_perm("assessment.view", organization_id):
        return []
    from siaga.assessments.summary import organization_trend

    return [
        {
            "assessment_id": result.assessment_id,
            "framework": result.framework_name,
            "campaign": result.campaign_name,
            "accepted_at": result.accepted_at.isoformat(),
            "score_percent": round(result.score_percent, 1),
            "maturity": result.maturity,
        }
        for result in organization_trend(organization_id)
    ]


def panels(data: dict[str, Any]) -> list[Panel]:
    incidents = data["incidents"]
    result = [
        counts_panel(
            "incidents_by_type",
            _("Your incidents by type (created in the period)"),
            incidents["by_type"],
            _("Type"),
        ),
    ]
    if data["events"] is not None:
        result.append(
            over_time_panel(
                "events_over_time",
                _("Feed events about your networks"),
                data["events"]["over_time"],
                _("RSIT class"),
            )
        )
        result.append(
            counts_panel(
                "events_by_type",
                _("Feed events by type"),
                data["events"]["by_type"][:15],
                _("Type"),
            )
        )
    result.append(
        counts_panel(
            "findings_by_severity",
            _("Open exposure findings by severity"),
            data["findings_by_severity"],
            _("Severity"),
            horizontal=False,
        )
    )
    result.append(assessments_panel(data["assessments"]))
    return result


def assessments_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("Assessment results")
    labels = [figures_date(row["accepted_at"]) for row in rows]
    chart = charts.line_chart(
        labels, {_("Score (%)"): [row["score_percent"] for row in rows]}, title=title, unit="%"
    )
    table = charts.figure_table(
        [_("Accepted"), _("Framework"), _("Campaign"), _("Score (%)"), _("Maturity")],
        [
            [label, row["framework"], row["campaign"], row["score_percent"], row["maturity"]]
            for label, row in zip(labels, rows, strict=True)
        ],
        caption=title,
    )
    return Panel("assessments", title, [chart], table, wide=True)


def figures_date(value: str) -> str:
    from datetime import datetime

    from django.utils import timezone
    from django.utils.formats import date_format

    return date_format(timezone.localtime(datetime.fromisoformat(value)), "SHORT_DATE_FORMAT")
