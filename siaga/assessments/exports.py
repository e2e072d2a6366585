"""The result of one assessment as a page context (with charts) and as a PDF (WeasyPrint).

The charts are inline SVG from ``siaga.dashboards.charts`` (no JavaScript, drawn the same in the
PDF). The PDF is rendered with the advisories' URL fetcher (``data:`` URLs only: nothing is fetched
from the network or the disk) and their letterhead logo, in the viewer's language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from siaga.advisories.exports.pdf import logo_data_url, url_fetcher
from siaga.assessments.results import Result
from siaga.dashboards import charts


def _peer_rows(result: Result) -> list[tuple[str, Any]]:
    rows = []
    for label, stats in (
        (_("Constituents of the same kind"), result.peers_by_kind),
        (_("Constituents in the same province"), result.peers_by_province),
    ):
        if stats is not None:
            rows.append((label, stats))
    return rows


def result_context(result: Result) -> dict[str, Any]:
    areas = result.area_rows()
    trend_labels = [date_format(row.accepted_at, "M Y") for row in result.trend]
    trend = [row.score_percent for row in result.trend]
    return {
        "result": result,
        "assessment": result.assessment,
        "framework_name": result.assessment.campaign.framework.name(result.language),
        "areas": areas,
        "gaps": result.gap_rows(),
        "peers": _peer_rows(result),
        "trend": result.trend,
        "area_chart": charts.bar_chart(areas, title=_("Score per area"), unit="%", horizontal=True),
        "area_table": charts.figure_table(
            [_("Area"), _("Score (%)")], areas, caption=_("Score per area")
        ),
        "trend_chart": charts.line_chart(
            trend_labels, {_("Overall score"): trend}, title=_("Score over time"), unit="%"
        )
        if len(trend) > 1
        else "",
    }


def result_pdf(result: Result) -> bytes:
    from weasyprint import HTML

    letterhead = getattr(settings, "SIAGA_ADVISORY_LETTERHEAD", {}) or {}
    context = result_context(result)
    context["letterhead"] = {
        "organization": letterhead.get("organization", ""),
        "address_lines": list(letterhead.get("address_lines") or []),
        "logo": logo_data_url(str(letterhead.get("logo") or "")),
    }
    context["language"] = result.language
    html = render_to_string("assessments/pdf/result.html", context)
    return bytes(HTML(string=html, base_url="data:,", url_fetcher=url_fetcher()).write_pdf())
