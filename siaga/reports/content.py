"""What a sector report shows, made from its snapshot in one language.

``report_context(report, language)`` turns the stored figures into headings, charts
(``siaga.dashboards.charts``, inline SVG that WeasyPrint draws too) and the tables of numbers
behind each chart; the HTML page and the PDF render the same context. Call it with the language
active (``translation.override``): every label is translated here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from siaga.advisories.choices import Answer
from siaga.dashboards import charts
from siaga.incidents.choices import Priority
from siaga.incidents.taxonomy import RsitClass
from siaga.reports.models import SectorReport


def _label(choices: Any, code: str) -> str:
    if not code:
        return _("Unclassified")
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def change(count: int, previous: int) -> dict[str, Any]:
    """The trend from the previous period: difference, percentage (None from zero), direction."""
    difference = count - previous
    percent = round(100 * difference / previous, 1) if previous else None
    return {
        "difference": difference,
        "percent": percent,
        "direction": "up" if difference > 0 else "down" if difference < 0 else "same",
    }


def _trend_text(trend: dict[str, Any]) -> str:
    sign = "+" if trend["difference"] > 0 else ""
    if trend["percent"] is None:
        return f"{sign}{trend['difference']}"
    return f"{sign}{trend['difference']} ({sign}{formats.number_format(trend['percent'], 1)} %)"


def _breakdown(rows: list[dict[str, Any]], choices: Any, title: str) -> dict[str, Any]:
    items = []
    for row in rows:
        trend = change(row["count"], row["previous"])
        items.append(
            [_label(choices, row["code"]), row["count"], row["previous"], _trend_text(trend)]
        )
    headers = [_("Category"), _("This period"), _("Previous period"), _("Change")]
    return {
        "title": title,
        "chart": charts.bar_chart(
            [(item[0], item[1]) for item in items], title=title, horizontal=True
        ),
        "table": charts.figure_table(headers, items, caption=title),
    }


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return formats.date_format(date(int(year), int(month), 1), "M Y")


def _incidents(snapshot: dict[str, Any]) -> dict[str, Any]:
    figures = snapshot["incidents"]
    monthly = snapshot["monthly"]
    title = _("Incidents per month, last four quarters")
    labels = [_month_label(row["month"]) for row in monthly]
    counts = [row["count"] for row in monthly]
    return {
        "total": figures["total"],
        "previous_total": figures["previous_total"],
        "trend": change(figures["total"], figures["previous_total"]),
        "trend_text": _trend_text(change(figures["total"], figures["previous_total"])),
        "by_class": _breakdown(figures["by_class"], RsitClass, _("Incidents by RSIT class")),
        "by_priority": _breakdown(figures["by_priority"], Priority, _("Incidents by priority")),
        "monthly": {
            "title": title,
            "chart": charts.line_chart(labels, {_("Incidents"): counts}, title=title),
            "table": charts.figure_table(
                [_("Month"), _("Incidents")], list(zip(labels, counts, strict=True)), caption=title
            ),
        },
    }


def _hours(value: float | None) -> str:
    return "—" if value is None else formats.number_format(value, 1)


def _response(snapshot: dict[str, Any]) -> dict[str, Any]:
    response, clocks = snapshot["response"], snapshot["legal_clocks"]
    rows = [
        [_("Mean time to acknowledge (hours)"), _hours(response["mtta_hours"])],
        [_("Mean time to resolve (hours)"), _hours(response["mttr_hours"])],
        [_("Incidents acknowledged"), response["acknowledged"]],
        [_("Incidents resolved"), response["resolved"]],
    ]
    clock_rows = [
        (_("Notice sent in time"), clocks["met"]),
        (_("Notice sent late"), clocks["late"]),
        (_("Missed (no notice, past due)"), clocks["missed"]),
        (_("Still running"), clocks["running"]),
        (_("Not required"), clocks["waived"]),
    ]
    clock_title = _("Legal clocks due in the period")
    return {
        "table": charts.figure_table([_("Measure"), _("Value")], rows, caption=_("Response times")),
        "clocks": {
            "title": clock_title,
            "chart": charts.bar_chart(clock_rows, title=clock_title, horizontal=True),
            "table": charts.figure_table(
                [_("Legal clocks"), _("Number")], clock_rows, caption=clock_title
            ),
        },
    }


def _events(snapshot: dict[str, Any]) -> dict[str, Any]:
    title = _("Feed events by classification")
    rows = [
        [row["code"] or _("Unclassified"), row["events"], row["findings"]]
        for row in snapshot["events"]
    ]
    return {
        "title": title,
        "empty": not rows,
        "chart": charts.bar_chart([(row[0], row[2]) for row in rows], title=title, horizontal=True),
        "table": charts.figure_table(
            [_("Classification"), _("Events"), _("Findings")], rows, caption=title
        ),
    }


def _advisories(snapshot: dict[str, Any]) -> dict[str, Any]:
    figures = snapshot["advisories"]
    title = _("Answers of the recipients")
    answers = [(_label(Answer, row["code"]), row["count"]) for row in figures["by_answer"]]
    answers.append((_("No answer"), figures["recipients"] - figures["answered"]))
    rate = figures["answer_rate"]
    return {
        "published": figures["published"],
        "recipients": figures["recipients"],
        "answered": figures["answered"],
        "answer_rate": "—" if rate is None else f"{formats.number_format(rate, 1)} %",
        "chart": charts.bar_chart(answers, title=title, horizontal=True),
        "table": charts.figure_table([_("Answer"), _("Recipients")], answers, caption=title),
    }


def _assessments(snapshot: dict[str, Any], language: str) -> dict[str, Any]:
    title = _("Assessment results accepted in the period")
    rows = []
    for row in snapshot["assessments"]:
        if row["change"] is None:
            trend = _("first result")
        else:
            trend = f"{'+' if row['change'] > 0 else ''}{formats.number_format(row['change'], 1)}"
        rows.append(
            [
                row["organization"],
                row["framework"],
                formats.number_format(row["score"], 1),
                row["maturity"].get(language, ""),
                trend,
            ]
        )
    headers = [_("Constituent"), _("Framework"), _("Score (percent)"), _("Maturity"), _("Change")]
    scores = [(row["organization"], row["score"]) for row in snapshot["assessments"]]
    return {
        "title": title,
        "rows": rows,
        "chart": charts.bar_chart(scores, title=title, unit="%", horizontal=True) if scores else "",
        "table": charts.figure_table(headers, rows, caption=title),
    }


def _risks(snapshot: dict[str, Any], language: str) -> dict[str, Any] | None:
    figures = snapshot.get("risks")
    if not figures:
        return None
    title = _("Sector risks by residual rating")
    impact = figures["impact_labels"].get(language, [])
    likelihood = figures["likelihood_labels"].get(language, [])
    rows = [[label, *cells] for label, cells in zip(impact, figures["cells"], strict=False)]
    return {
        "title": title,
        "chart": charts.heat_map(
            figures["cells"],
            row_labels=impact,
            column_labels=likelihood,
            title=title,
            x_title=_("Likelihood"),
            y_title=_("Impact"),
        ),
        "table": charts.figure_table([_("Impact"), *likelihood], rows, caption=title),
    }


def report_context(report: SectorReport, language: str) -> dict[str, Any]:
    """The report's sections in ``language`` (activated here)."""
    with translation.override(language):
        snapshot = report.snapshot or {}
        period = report.period
        context: dict[str, Any] = {
            "report": report,
            "language": language,
            "period_label": period.label(),
            "period_start": period.start,
            "period_last_day": date.fromordinal(period.end.toordinal() - 1),
            "narrative": report.narrative(language),
            "taken_at": _parse(snapshot.get("taken_at")),
        }
        if not snapshot:
            return {**context, "empty": True}
        context.update(
            incidents=_incidents(snapshot),
            response=_response(snapshot),
            events=_events(snapshot),
            advisories=_advisories(snapshot),
            assessments=_assessments(snapshot, language),
            risks=_risks(snapshot, language),
        )
        return context


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
