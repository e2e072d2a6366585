"""API of sector reports: the list, one report with its figures (the snapshot JSON) and its PDF.

Readers get published reports; the CERT's staff drafts too (``SectorReport.restrict_extra``); a
report outside the caller's view is a 404. Every PDF download is recorded in the audit trail.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.core.apitools import ObjectId, Page
from siaga.reports import actions
from siaga.reports.pdf import pdf_filename, report_pdf

router = Router(tags=["sector-reports"])

PDF_RESPONSES = {
    "responses": {
        200: {
            "description": "The sector report in the chosen language, as PDF (A4).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class SectorReportSummary(Schema):
    id: int
    period_kind: str = Field(description="monthly or quarterly")
    period_start: date = Field(description="The period's first day (CERT's time zone).")
    period_end: date = Field(description="The first day after the period.")
    status: str = Field(description="draft, published or withdrawn")
    generated_at: datetime | None
    published_at: datetime | None


class SectorReportOut(SectorReportSummary):
    narrative_id: str
    narrative_en: str
    snapshot: dict[str, Any] = Field(description="The figures, as taken at generation.")


class PdfQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    language: Literal["id", "en"] = Field(
        default="id", description="The report's language: id (Indonesian) or en (English)."
    )


def _require_view(request: HttpRequest) -> None:
    if not principal_for(request.user).has_perm("sectorreport.view"):
        raise PermissionDenied(_("You may not see sector reports."))


@router.get(
    "/sector-reports",
    response=list[SectorReportSummary],
    operation_id="sector_reports_list",
    summary="List sector reports",
)
@paginate(Page)
def list_reports(request: HttpRequest) -> Any:
    """Newest period first."""
    _require_view(request)
    return actions.visible_reports(request.user)


@router.get(
    "/sector-reports/{id}",
    response=SectorReportOut,
    operation_id="sector_reports_get",
    summary="Get a sector report with its figures",
)
def get_report(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_report(request.user, id)


@router.get(
    "/sector-reports/{id}/pdf",
    operation_id="sector_reports_pdf",
    summary="Download a sector report as PDF",
    openapi_extra=PDF_RESPONSES,
)
def get_report_pdf(request: HttpRequest, id: ObjectId, query: Query[PdfQuery]) -> Any:
    report = actions.access_report(request.user, id)
    data = report_pdf(report, query.language)
    record_export(
        "reports.sectorreport",
        1,
        {"period": report.period.key(), "format": "pdf", "language": query.language},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{pdf_filename(report, query.language)}"'
    )
    return response
