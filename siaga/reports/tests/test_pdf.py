"""The PDF: A4 pages that are not blank, with the constituents' names and scores and the quarter's
incident count in its text, in either language; a published report's PDF is made once."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdfium2 as pdfium
import pytest

from siaga.reports import pdf
from siaga.reports.models import SectorReport
from siaga.reports.tests.conftest import published

A4_POINTS = (595.28, 841.89)


def _pages_text(document: Any) -> str:
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.fixture
def report(q1_report: SectorReport, assessments: Any, personas: Any) -> SectorReport:
    from siaga.reports import actions

    return actions.check_regenerate(personas.cert_analyst, q1_report)  # with the assessments


@pytest.mark.parametrize("language", ["id", "en"])
def test_pdf_pages_size_ink_and_text(report: SectorReport, language: str) -> None:
    data = pdf.render_pdf(report, language)
    document = pdfium.PdfDocument(io.BytesIO(data))
    assert len(document) >= 2
    for index in range(len(document)):
        width, height = document[index].get_size()
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
    for index in range(min(len(document), 3)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        low, high = image.getextrema()
        dark = sum(image.histogram()[:200])
        assert high > 240 and low < 100, "a page with no ink"
        assert dark > 100, "a page with almost no ink"
    text = _pages_text(document)
    for name in ("RSUD Sehat Sentosa", "Klinik Pratama Mawar"):
        assert name in text
    assert "RS Tidak Termasuk" not in text  # accepted after the quarter
    assert ("62,5" if language == "id" else "62.5") in text
    assert ("71,0" if language == "id" else "71.0") in text
    # The incident count of the quarter (5) in the summary's key figures.
    assert re.search(r"(Incidents in the period|Insiden dalam periode) 5\s", text)
    expected = "Incidents in the period" if language == "en" else "Insiden"
    assert expected in text


def test_published_pdf_is_cached(
    report: SectorReport, personas: Any, monkeypatch: Any, settings: Any
) -> None:
    report = published(report, personas)
    first = pdf.report_pdf(report, "en")
    report.refresh_from_db()
    assert report.pdf_en
    assert (settings.STORAGES["default"]["OPTIONS"]["location"] / report.pdf_en).is_file()
    monkeypatch.setattr(pdf, "render_pdf", lambda *a: pytest.fail("rendered again"))
    assert pdf.report_pdf(report, "en") == first
