"""API of advisory outputs: the CSAF 2.0 document and the bilingual PDF of an advisory's latest
published revision. Who may read which advisory is ``Advisory.objects.restrict(user, "view")``
(the CERT's staff every advisory, a constituent those published to it); anything else, or an
advisory never published, is a 404. Every download is recorded in the audit trail."""

import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from siaga.advisories.exports.csaf import csaf_document, csaf_filename
from siaga.advisories.exports.pdf import advisory_pdf, pdf_filename
from siaga.advisories.exports.public import access_latest_revision
from siaga.audit.actions import record_export
from siaga.core.apitools import ObjectId

router = Router(tags=["advisories"])

CSAF_RESPONSES = {
    "responses": {
        200: {
            "description": "A CSAF 2.0 document (security_advisory or informational_advisory).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
}
PDF_RESPONSES = {
    "responses": {
        200: {
            "description": "The advisory in Bahasa Indonesia and English, as PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class CsafQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    language: Literal["en", "id"] = Field(
        default="en", description="The document's language: en (English) or id (Indonesian)."
    )


@router.get(
    "/advisories/{id}/csaf",
    operation_id="advisories_csaf",
    summary="Download an advisory as CSAF 2.0",
    openapi_extra=CSAF_RESPONSES,
)
def get_advisory_csaf(request: HttpRequest, id: ObjectId, query: Query[CsafQuery]) -> Any:
    """The latest published revision as a CSAF 2.0 document in the chosen language."""
    revision = access_latest_revision(request.user, id)
    record_export(
        "advisories.advisory",
        1,
        {
            "tracking_id": revision.advisory.tracking_id,
            "format": "csaf",
            "language": query.language,
        },
    )
    response = HttpResponse(
        json_bytes(csaf_document(revision, query.language)), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{csaf_filename(revision.advisory.tracking_id)}"'
    )
    return response


@router.get(
    "/advisories/{id}/pdf",
    operation_id="advisories_pdf",
    summary="Download an advisory as PDF",
    openapi_extra=PDF_RESPONSES,
)
def get_advisory_pdf(request: HttpRequest, id: ObjectId) -> Any:
    """The latest published revision, Indonesian then English, on the CERT's letterhead."""
    revision = access_latest_revision(request.user, id)
    record_export(
        "advisories.advisory", 1, {"tracking_id": revision.advisory.tracking_id, "format": "pdf"}
    )
    response = HttpResponse(advisory_pdf(revision), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(revision)}"'
    return response


def json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
