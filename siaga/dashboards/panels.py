"""Panels of the dashboards: each one a chart drawn by ``charts`` and the numbers behind it as a
table, made from the plain data of ``sector`` and ``mine`` (the API sends that same data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from siaga.dashboards import charts


@dataclass
class Panel:
    key: str
    title: str
    charts: list[SafeString] = field(default_factory=list)
    table: SafeString | None = None
    note: str = ""
    wide: bool = False


def _pairs(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(row["label"], row["count"]) for row in rows]


def counts_panel(
    key: str, title: str, rows: list[dict[str, Any]], heading: str, *, horizontal: bool = True
) -> Panel:
    pairs = _pairs(rows)
    return Panel(
        key,
        title,
        [charts.bar_chart(pairs, title=title, horizontal=horizontal)],
        charts.figure_table([heading, _("Number")], pairs, caption=title),
    )


def over_time_panel(key: str, title: str, data: dict[str, Any], heading: str) -> Panel:
    labels = data["labels"]
    series = {entry["name"]: entry["values"] for entry in data["series"]}
    rows = [[name, *values] for name, values in series.items()]
    chart = (
        charts.stacked_bar_chart(labels, series, title=title)
        if len(labels) <= 16
        else charts.line_chart(labels, series, title=title)
    )
    table = charts.figure_table([heading, *labels], rows, caption=title)
    return Panel(key, title, [chart], table, wide=True)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def response_times_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("Mean time to acknowledge and to resolve")
    mtta = [(row["priority"], hours(row["mtta"]) or 0.0) for row in rows]
    mttr = [(row["priority"], hours(row["mttr"]) or 0.0) for row in rows]
    table = charts.figure_table(
        [_("Priority"), _("MTTA (hours)"), _("Acknowledged"), _("MTTR (hours)"), _("Resolved")],
        [
            [
                row["priority"],
                hours(row["mtta"]),
                row["acknowledged"],
                hours(row["mttr"]),
                row["resolved"],
            ]
            for row in rows
        ],
        caption=title,
    )
    unit = _("hours")
    return Panel(
        "response_times",
        title,
        [
            charts.bar_chart(mtta, title=_("MTTA by priority"), unit=unit),
            charts.bar_chart(mttr, title=_("MTTR by priority"), unit=unit),
        ],
        table,
        note=_("From the incident's creation; a priority without any is shown as 0 in the chart."),
    )


def sla_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("SLA compliance")
    labels = [row["label"] for row in rows]
    series = {
        _("Met"): [row["met"] for row in rows],
        _("Breached"): [row["breached"] for row in rows],
    }
    table = charts.figure_table(
        [_("Milestone"), _("Met"), _("Breached"), _("Met (%)")],
        [[row["label"], row["met"], row["breached"], row["percent"]] for row in rows],
        caption=title,
    )
    return Panel(
        "sla_compliance", title, [charts.stacked_bar_chart(labels, series, title=title)], table
    )


def local(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def clocks_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("Open legal clocks")
    table = charts.figure_table(
        [_("Incident"), _("Clock"), _("Due"), _("Overdue")],
        [
            [
                row["reference"],
                row["kind"],
                local(row["due_at"]),
                _("yes") if row["overdue"] else _("no"),
            ]
            for row in rows
        ],
        caption=title,
    )
    return Panel("open_legal_clocks", title, [], table, note=_("Overdue first, then by deadline."))


def affected_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("Most affected constituents")
    table = charts.figure_table(
        [_("Constituent"), _("Incidents"), _("Feed events")],
        [[row["name"], row["incidents"], row["events"]] for row in rows],
        caption=title,
    )
    chart = charts.bar_chart(
        [(row["name"], row["incidents"]) for row in rows],
        title=_("Incidents of the most affected constituents"),
        horizontal=True,
    )
    return Panel("most_affected_constituents", title, [chart], table)


def answers_panel(rows: list[dict[str, Any]]) -> Panel:
    title = _("Advisory answer rates")
    table = charts.figure_table(
        [_("Advisory"), _("Sent"), _("Answered"), _("Answered (%)")],
        [
            [f"{row['tracking_id']} {row['title']}", row["sent"], row["answered"], row["percent"]]
            for row in rows
        ],
        caption=title,
    )
    chart = charts.bar_chart(
        [(row["tracking_id"], row["percent"]) for row in rows],
        title=title,
        unit="%",
        horizontal=True,
    )
    return Panel("advisory_answer_rates", title, [chart], table)


def heat_map_panel(heat: dict[str, Any]) -> Panel:
    title = _("Risk heat map (residual, active risks)")
    chart = charts.heat_map(
        heat["cells"],
        row_labels=heat["impact_labels"],
        column_labels=heat["likelihood_labels"],
        title=title,
        x_title=_("Likelihood"),
        y_title=_("Impact"),
    )
    rows = [
        [label, *cells] for label, cells in zip(heat["impact_labels"], heat["cells"], strict=True)
    ]
    table = charts.figure_table([_("Impact"), *heat["likelihood_labels"]], rows, caption=title)
    return Panel("risk_heat_map", title, [chart], table)


def sector_panels(data: dict[str, Any], heat: dict[str, Any] | None) -> list[Panel]:
    """The CERT dashboard's panels, in reading order."""
    panels = [
        over_time_panel(
            "incidents_over_time",
            _("Incidents over time by RSIT class"),
            data["incidents_over_time"],
            _("RSIT class"),
        ),
        counts_panel(
            "incidents_by_class",
            _("Incidents by RSIT class"),
            data["incidents_by_class"],
            _("RSIT class"),
        ),
        counts_panel(
            "incidents_by_priority",
            _("Incidents by priority"),
            data["incidents_by_priority"],
            _("Priority"),
            horizontal=False,
        ),
        counts_panel(
            "incidents_by_province",
            _("Incidents by province"),
            data["incidents_by_province"],
            _("Province"),
        ),
        counts_panel(
            "incidents_by_constituent_kind",
            _("Incidents by constituent kind"),
            data["incidents_by_constituent_kind"],
            _("Constituent kind"),
        ),
        response_times_panel(data["response_times"]),
        sla_panel(data["sla_compliance"]),
        clocks_panel(data["open_legal_clocks"]),
        over_time_panel(
            "events_over_time",
            _("Feed events over time by classification"),
            data["events_over_time"],
            _("RSIT class"),
        ),
        counts_panel(
            "events_by_classification",
            _("Feed events by type"),
            data["events_by_classification"][:15],
            _("Type"),
        ),
        affected_panel(data["most_affected_constituents"]),
        answers_panel(data["advisory_answer_rates"]),
        counts_panel(
            "maturity_distribution",
            _("Assessment maturity (accepted in the period)"),
            data["maturity_distribution"],
            _("Maturity level"),
            horizontal=False,
        ),
    ]
    if heat is not None:
        panels.append(heat_map_panel(heat))
    return panels
