"""API of incident evidence: list and upload an incident's files, read one, download it, custody."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from siaga.audit.actions import record_sensitive_view
from siaga.core.apitools import ApiProblem, ObjectId, Page
from siaga.evidence import actions
from siaga.evidence.choices import CustodyAction, EvidenceSource
from siaga.evidence.vault import VaultError
from siaga.evidence.views import attachment_response
from siaga.organizations.api import UserRef

router = Router(tags=["evidence"])


class EvidenceOut(Schema):
    id: int
    incident_id: int | None
    report_id: int | None
    original_name: str = Field(description="The uploader's file name, for display only.")
    safe_name: str = Field(description="The name the file is downloaded under.")
    size: int
    sha256: str
    declared_type: str = Field(description="The content type the uploader declared.")
    sniffed_type: str = Field(description="The type detected from the content.")
    flags: list[str] = Field(
        description="Warnings recorded at upload: type_mismatch, executable, archive_sealed, …"
    )
    description: str
    source: EvidenceSource
    uploaded_by: UserRef | None
    uploaded_at: datetime


class CustodyEventOut(Schema):
    id: int
    action: CustodyAction
    actor: UserRef | None
    actor_label: str
    at: datetime
    succeeded: bool
    note: str
    client_address: str | None


DOWNLOAD_RESPONSES = {
    "responses": {
        200: {
            "description": "The file's content, always as an attachment.",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


@router.get(
    "/incidents/{id}/evidence",
    response=list[EvidenceOut],
    operation_id="incidents_evidence_list",
    summary="List an incident's evidence",
)
@paginate(Page)
def list_incident_evidence(request: HttpRequest, id: ObjectId) -> Any:
    """The files of the incident and of the reports it grew from, newest first."""
    incident = actions.access_incident(request.user, id)
    return actions.evidence_of_incident(request.user, incident)


@router.post(
    "/incidents/{id}/evidence",
    response={201: EvidenceOut},
    operation_id="incidents_evidence_create",
    summary="Add evidence to an incident",
)
def create_incident_evidence(
    request: HttpRequest,
    id: ObjectId,
    file: File[UploadedFile],
    description: Form[str] = "",
    sealed: Form[bool] = False,
) -> Any:
    """A multipart upload. Needs the permission to change the incident (CERT staff).

    Archives with unsafe paths, links, too many entries or an excessive expansion are refused
    unless `sealed` marks the file as a malware sample kept sealed; it is then stored and flagged.
    """
    incident = actions.access_incident(request.user, id)
    evidence = actions.check_add_evidence(
        request.user,
        incident=incident,
        upload=file,
        description=description,
        sealed=sealed,
        source=EvidenceSource.API,
    )
    return Status(201, evidence)


@router.get(
    "/reports/{id}/evidence",
    response=list[EvidenceOut],
    operation_id="reports_evidence_list",
    summary="List a report's evidence",
)
@paginate(Page)
def list_report_evidence(request: HttpRequest, id: ObjectId) -> Any:
    report = actions.access_report(request.user, id)
    return actions.evidence_of_report(request.user, report)


@router.post(
    "/reports/{id}/evidence",
    response={201: EvidenceOut},
    operation_id="reports_evidence_create",
    summary="Add evidence to a report",
)
def create_report_evidence(
    request: HttpRequest,
    id: ObjectId,
    file: File[UploadedFile],
    description: Form[str] = "",
    sealed: Form[bool] = False,
) -> Any:
    """A multipart upload: the reporter (while the report waits for triage) or the CERT's staff.

    The same checks as for incidents: unsafe archives are refused unless marked `sealed`.
    """
    report = actions.access_report(request.user, id)
    evidence = actions.check_add_evidence(
        request.user,
        report=report,
        upload=file,
        description=description,
        sealed=sealed,
        source=EvidenceSource.API,
    )
    return Status(201, evidence)


@router.get(
    "/evidence/{id}", response=EvidenceOut, operation_id="evidence_get", summary="Get evidence"
)
def get_evidence(request: HttpRequest, id: ObjectId) -> Any:
    """Every view is written to the audit trail."""
    evidence = actions.access_evidence(request.user, id)
    record_sensitive_view(evidence)
    return evidence


@router.get(
    "/evidence/{id}/download",
    operation_id="evidence_download",
    summary="Download evidence",
    openapi_extra=DOWNLOAD_RESPONSES,
)
def download_evidence(request: HttpRequest, id: ObjectId) -> Any:
    """The decrypted file as `application/octet-stream`; the download joins its chain of custody."""
    evidence = actions.access_evidence(request.user, id)
    try:
        chunks = actions.check_download(request.user, evidence)
    except VaultError as exc:
        raise ApiProblem(500, "server-error", exc) from exc
    return attachment_response(evidence, chunks)


@router.get(
    "/evidence/{id}/custody",
    response=list[CustodyEventOut],
    operation_id="evidence_custody_list",
    summary="List the chain of custody of evidence",
)
@paginate(Page)
def list_custody(request: HttpRequest, id: ObjectId) -> Any:
    """Oldest first: receipt, storage, then every download and verification."""
    return actions.custody_log(actions.access_evidence(request.user, id))
