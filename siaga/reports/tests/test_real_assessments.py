"""The quarter's sector report made from a real NIST CSF 2.0 campaign (no stand-in for
``siaga.assessments.summary``): three hospitals' scores as the assessments app computes them and as
worked out by hand, the quarter's incidents by RSIT class and the change from the previous quarter;
then the PDF in both languages, its pages rendered to images."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone, translation

from siaga.assessments.actions import definition_of, values_of
from siaga.assessments.scoring import score
from siaga.core.testing import login
from siaga.reports import actions, pdf, periods
from siaga.reports.content import report_context
from siaga.reports.models import SectorReport
from siaga.reports.tests import quarter_world as qw

A4_POINTS = (595.28, 841.89)
POINTS = {"not": 0, "partial": 1, "largely": 2, "fully": 3}


@pytest.fixture
def no_assessments() -> None:
    """Replaces the package's autouse stand-in: these tests read the real assessments app."""


@pytest.fixture
def world(personas: Any) -> qw.World:
    return qw.build_world(personas.cert_lead)


@pytest.fixture
def report(world: qw.World, personas: Any) -> SectorReport:
    day = periods.local_today(timezone.now())
    return actions.check_generate(personas.cert_lead, "quarterly", day.isoformat())


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["organization"]: row for row in rows}


def test_scores_are_those_of_the_answers(world: qw.World) -> None:
    for name, assessment in world.assessments.items():
        assessment.refresh_from_db()
        values = values_of(assessment)
        assert values == world.answers[name]
        assert len(values) == 106
        # By hand: every question weighs the same, answers are worth 0-3 points.
        assert {q.weight for q in definition_of(assessment).questions()} == {1.0}
        by_hand = round(100 * sum(POINTS[v] for v in values.values()) / (3 * len(values)), 1)
        assert by_hand == qw.EXPECTED_SCORES[name]
        assert score(definition_of(assessment), values).percent == by_hand
        assert assessment.score_percent == by_hand
        assert assessment.accepted_at is not None
        assert world.period.start_at <= assessment.accepted_at < world.period.end_at


def test_snapshot_has_each_hospitals_score_and_change(report: SectorReport) -> None:
    rows = report.snapshot["assessments"]
    # Ordered by name; the baseline, accepted in the previous quarter, is not a row of its own.
    assert [row["organization"] for row in rows] == sorted(qw.EXPECTED_SCORES)
    found = _by_name(rows)
    for name, expected in qw.EXPECTED_SCORES.items():
        row = found[name]
        assert row["score"] == expected
        assert row["framework"] == "NIST CSF 2.0"
        assert row["campaign"] == qw.CAMPAIGN
        assert tuple(row["maturity"][lang] for lang in ("en", "id")) == qw.EXPECTED_MATURITY[name]
        assert row["change"] == qw.EXPECTED_CHANGE[name]
    assert found[qw.BEKASI]["previous_score"] == qw.BASELINE_SCORE


def test_snapshot_has_the_quarters_incidents_and_trend(report: SectorReport) -> None:
    figures = report.snapshot["incidents"]
    assert figures["total"] == qw.EXPECTED_TOTAL
    assert figures["previous_total"] == qw.EXPECTED_PREVIOUS
    by_class = {row["code"]: (row["count"], row["previous"]) for row in figures["by_class"]}
    assert by_class == qw.EXPECTED_BY_CLASS  # "vulnerable" (next quarter's first instant) is out
    assert sum(row["count"] for row in figures["by_priority"]) == qw.EXPECTED_TOTAL
    monthly = {row["month"]: row["count"] for row in report.snapshot["monthly"]}
    assert sum(monthly[month.key()] for month in report.period.months()) == qw.EXPECTED_TOTAL


@pytest.mark.parametrize(("language", "trend"), [("en", "+4 (+200.0 %)"), ("id", "+4 (+200,0 %)")])
def test_report_context_shows_scores_and_trend(
    report: SectorReport, language: str, trend: str
) -> None:
    context = report_context(report, language)
    assert context["incidents"]["total"] == qw.EXPECTED_TOTAL
    assert context["incidents"]["trend"]["direction"] == "up"
    assert context["incidents"]["trend_text"] == trend
    rows = {row[0]: row for row in context["assessments"]["rows"]}
    decimal = "," if language == "id" else "."
    for name, expected in qw.EXPECTED_SCORES.items():
        assert rows[name][2] == f"{expected:.1f}".replace(".", decimal)
    assert rows[qw.BEKASI][4] == f"+33{decimal}3"


def _text(document: Any) -> str:
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.mark.parametrize("language", ["id", "en"])
def test_pdf_pages_show_the_quarter(
    report: SectorReport, personas: Any, language: str, tmp_path: Any
) -> None:
    actions.check_update_narrative(
        personas.cert_lead, report, "Triwulan ini tiga rumah sakit.", "Three hospitals this time."
    )
    report = actions.check_publish(personas.cert_lead, report)
    data = pdf.report_pdf(report, language)
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(io.BytesIO(data))
    assert len(document) >= 2
    for index in range(len(document)):
        width, height = document[index].get_size()
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
        image = document[index].render(scale=0.4).to_pil().convert("L")
        low, high = image.getextrema()
        assert high > 240 and low < 100, f"page {index + 1} has no ink"
        assert sum(image.histogram()[:200]) > 100, f"page {index + 1} is almost blank"
    text = _text(document)
    decimal = "," if language == "id" else "."
    for name, expected in qw.EXPECTED_SCORES.items():
        assert name in text
        assert f"{expected:.1f}".replace(".", decimal) in text
    with translation.override(language):
        assert report.period.label() in text  # "Triwulan IV 2026" / "Quarter IV 2026"
    label = "Insiden dalam periode" if language == "id" else "Incidents in the period"
    assert re.search(rf"{label} {qw.EXPECTED_TOTAL}\s", text)
    narrative = "Triwulan ini tiga rumah sakit." if language == "id" else "Three hospitals this"
    assert narrative in text
    # The published PDF is kept in the test's own folder (conftest ``media_in_tmp``).
    assert (tmp_path / "media" / getattr(report, f"pdf_{language}")).is_file()


def test_member_sees_the_published_report_page(
    report: SectorReport, personas: Any, client: Any
) -> None:
    actions.check_update_narrative(personas.cert_lead, report, "Ringkasan.", "Summary.")
    actions.check_publish(personas.cert_lead, report)
    login(client, personas.coord_member)
    page = client.get(f"/sector-reports/{report.pk}/").content.decode()
    for name, expected in qw.EXPECTED_SCORES.items():
        assert name in page and f"{expected:.1f}" in page
    assert "+4 (+200.0 %)" in page
    # Both language links (base.html's own "languages" once hid the view's list).
    assert 'href="?lang=id"' in page and 'href="?lang=en"' in page
