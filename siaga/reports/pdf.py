"""The PDF of a sector report in one language (WeasyPrint, A4, cover page, page numbers).

Rendered from the snapshot, so it shows exactly what the HTML page shows. Nothing is fetched
while rendering: the charts are inline SVG, the logo an inline ``data:`` URL, and the URL fetcher
of the advisories' PDF allows ``data:`` only. A published report's PDF never changes, so it is
made once and kept in the default storage (``sector-reports/``); a draft's is made on each request.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from siaga.advisories.exports.pdf import logo_data_url, url_fetcher
from siaga.reports.choices import SectorReportStatus
from siaga.reports.content import report_context
from siaga.reports.models import SectorReport

LANGUAGES = ("id", "en")
RESPONSIVE_SVG = "max-width:100%;height:auto"


def render_pdf(report: SectorReport, language: str) -> bytes:
    from weasyprint import HTML

    letterhead = getattr(settings, "SIAGA_ADVISORY_LETTERHEAD", {}) or {}
    context = report_context(report, language)
    context["letterhead"] = {
        "organization": letterhead.get("organization") or "",
        "address_lines": list(letterhead.get("address_lines") or []),
        "logo": logo_data_url(str(letterhead.get("logo") or "")),
    }
    with translation.override(language):
        html = str(render_to_string("reports/pdf/report.html", context))
    # WeasyPrint sizes an SVG with "height:auto" from the page width, not the viewBox's ratio,
    # which leaves a chart of 120 px half a page high; the charts' intrinsic width (640 px,
    # 169 mm) fits the A4 text block, so the PDF drops the responsive style.
    html = html.replace(f' style="{RESPONSIVE_SVG}"', "")
    document = HTML(string=html, base_url="data:,", url_fetcher=url_fetcher())
    return bytes(document.write_pdf())


def report_pdf(report: SectorReport, language: str) -> bytes:
    """The PDF, from the cache when the report is published (made and kept on first request)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language: {language!r}")
    field = f"pdf_{language}"
    if report.status != SectorReportStatus.PUBLISHED:
        return render_pdf(report, language)
    name = getattr(report, field)
    if name and default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return bytes(stored.read())
    data = render_pdf(report, language)
    wanted = f"sector-reports/{report.pk}-{language}-{secrets.token_hex(8)}.pdf"
    saved = default_storage.save(wanted, ContentFile(data))
    with transaction.atomic():
        # Only a still-published report keeps its file; a concurrent request's file is replaced.
        SectorReport.objects.filter(pk=report.pk, status=SectorReportStatus.PUBLISHED).update(
            **{field: saved}
        )
    setattr(report, field, saved)
    return data


def pdf_filename(report: SectorReport, language: str) -> str:
    return f"siaga-sector-report-{report.period.key()}-{language}.pdf"
