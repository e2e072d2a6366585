"""API of the feeds app: the feeds, handing in a report, the reports and their quarantined rows.

A report is handed in as a ``multipart/form-data`` file (field ``file``): it is stored as received
and processed by a ``feeds.process`` job, so the answer is 202 with the report and the job's id,
whose progress ``GET /jobs/{id}`` shows. The same file handed in again for the same feed answers
with the report received earlier (``created: false``) and starts nothing.
"""

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.core.apitools import MAX_ID, ApiProblem, ObjectId, Page, Text, optional
from siaga.feeds import actions
from siaga.feeds.choices import CollectorKind, FeedReportStatus, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport
from siaga.feeds.parsers import shadowserver
from siaga.feeds.quarantine import (
    MAX_CORRECTION_BYTES,
    MAX_ROWS_PER_TRY,
    check_retry_quarantined,
)
from siaga.organizations.api import UserRef

router = Router(tags=["feeds"])

MULTIPART_BODY = {
    "x-siaga-problems": ["415"],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The report as the feed delivered it, with its name.",
                        }
                    },
                }
            }
        },
    },
}


# --- Schemas ------------------------------------------------------------------------------------


class EventFeedOut(Schema):
    """A source of event reports (not a MISP feed, which ``/misp`` imports)."""

    id: int
    name: str
    provider: str
    parser: ParserKind
    collector: CollectorKind
    url: str
    auth_header: str
    username: str
    has_secret: bool = Field(description="Whether a secret is stored (it is never shown).")
    verify_tls: bool
    mail_host: str
    mail_port: int
    mail_folder: str
    mail_use_tls: bool
    attachment_pattern: str
    mapping: dict[str, Any]
    cursor: str = Field(description="TAXII: the objects added after this time are collected next.")
    fetch_every_minutes: int
    last_fetched_at: datetime | None
    last_error: str
    is_active: bool
    description: str
    last_report_id: int | None = Field(description="The report received last, if any.")
    last_report_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EventFeedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    provider: Text = Field("", max_length=200)
    parser: ParserKind = Field(description="How the feed's reports are read.")
    collector: CollectorKind = Field(CollectorKind.UPLOAD, description="How its reports arrive.")
    url: Text = Field(
        "",
        max_length=2000,
        description="Needed for the http collector (the file's address) and the taxii collector "
        "(the collection's, …/collections/<id>/): https:// (http:// only to the hosts the server "
        "allows).",
    )
    auth_header: Text = Field(
        "",
        max_length=100,
        description="A header sent with every fetch, e.g. Authorization (taxii: when no username).",
    )
    username: Text = Field(
        "", max_length=200, description="taxii: the HTTP Basic user; imap: the mailbox's user."
    )
    secret: Text = Field(
        "",
        max_length=2000,
        description="The header's value, or the password of username; stored sealed, never shown.",
    )
    verify_tls: bool = True
    mail_host: Text = Field("", max_length=255, description="imap: the server's host name.")
    mail_port: int = Field(993, ge=1, le=65535)
    mail_folder: Text = Field("INBOX", min_length=1, max_length=200)
    mail_use_tls: bool = Field(
        True, description="Plain IMAP only to the hosts the server allows plain http to."
    )
    attachment_pattern: Text = Field(
        "*",
        max_length=200,
        description="imap: shell patterns of the attachment names taken, comma-separated.",
    )
    mapping: dict[str, Any] = Field(
        default_factory=dict, description="The field mapping of the mapped_csv/mapped_json parsers."
    )
    fetch_every_minutes: int = Field(1440, ge=1, le=actions.MAX_FETCH_MINUTES)
    is_active: bool = True
    description: Text = Field("", max_length=10_000)


class EventFeedPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = optional(min_length=1, max_length=200)
    provider: Text = optional(max_length=200)
    parser: ParserKind = optional()
    collector: CollectorKind = optional()
    url: Text = optional(max_length=2000)
    auth_header: Text = optional(max_length=100)
    username: Text = optional(max_length=200)
    secret: Text = optional(max_length=2000, description='"" removes the stored secret.')
    verify_tls: bool = optional()
    mail_host: Text = optional(max_length=255)
    mail_port: int = optional(ge=1, le=65535)
    mail_folder: Text = optional(min_length=1, max_length=200)
    mail_use_tls: bool = optional()
    attachment_pattern: Text = optional(max_length=200)
    mapping: dict[str, Any] = optional()
    fetch_every_minutes: int = optional(ge=1, le=actions.MAX_FETCH_MINUTES)
    is_active: bool = optional()
    description: Text = optional(max_length=10_000)


class ReportFeedRef(Schema):
    id: int
    name: str


class FeedReportOut(Schema):
    id: int
    feed: ReportFeedRef
    file_name: str
    sha256: str
    size: int = Field(description="In bytes.")
    source: ReportSource
    report_type: str = Field(description="Shadowserver: the report type detected; else empty.")
    status: FeedReportStatus
    error: str
    rows_read: int
    events_stored: int
    duplicates: int = Field(description="Rows merged into an event stored already.")
    rows_quarantined: int
    received_by: UserRef | None
    received_at: datetime
    processed_at: datetime | None


class FeedReportAccepted(Schema):
    report: FeedReportOut
    job: int | None = Field(description="The job processing the report; null when it is not new.")
    created: bool = Field(description="False when the same file was received before.")


class QuarantinedRowOut(Schema):
    id: int
    row: int = Field(description="The row's position in the report (from 1).")
    reason: str
    raw: str = Field(description="The row as it was in the file.")
    created_at: datetime


class FeedReportReprocessOut(Schema):
    job: int


class FeedReportFilter(FilterSchema):
    feed: int = optional(ge=1, le=MAX_ID, description="Only reports of this feed.")
    status: FeedReportStatus = optional()


# --- Feeds --------------------------------------------------------------------------------------


@router.get("/feeds", response=list[EventFeedOut], operation_id="feeds_list", summary="List feeds")
@paginate(Page)
def list_feeds(request: HttpRequest) -> Any:
    """Every feed, by name (CERT staff and the auditor)."""
    actions.require(request.user, "feed.view")
    return actions.visible_feeds(request.user).order_by("name", "pk")


@router.post(
    "/feeds", response={201: EventFeedOut}, operation_id="feeds_create", summary="Create a feed"
)
def create_feed(request: HttpRequest, payload: EventFeedIn) -> Any:
    """Needs ``feed.add`` (the CERT's leads and administrators)."""
    feed = actions.check_save_feed(request.user, payload.model_dump())
    return Status(201, actions.access_feed(request.user, feed.pk))


@router.get("/feeds/{id}", response=EventFeedOut, operation_id="feeds_detail", summary="Get a feed")
def get_feed(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_feed(request.user, id)


@router.patch(
    "/feeds/{id}", response=EventFeedOut, operation_id="feeds_update", summary="Change a feed"
)
def update_feed(request: HttpRequest, id: ObjectId, payload: EventFeedPatch) -> Any:
    """The fields sent are changed; needs ``feed.change``."""
    feed = actions.access_feed(request.user, id)
    actions.check_save_feed(request.user, payload.model_dump(exclude_unset=True), feed)
    return actions.access_feed(request.user, id)


@router.post(
    "/feeds/{id}/reports",
    response={202: FeedReportAccepted},
    operation_id="feeds_reports_create",
    summary="Hand in a report of a feed",
    openapi_extra=MULTIPART_BODY,
)
def create_report(request: HttpRequest, id: ObjectId) -> Any:
    """A ``multipart/form-data`` upload (field ``file``), stored and then processed by a job.

    A Shadowserver report keeps its original file name, which names its report type; a name that
    names none is a 400. A file over ``SIAGA_FEED_REPORT_MAX_MB`` is a 413."""
    feed = actions.access_feed(request.user, id)
    actions.require(request.user, "feedreport.add")
    upload = _uploaded_file(request)
    name = upload.name or ""
    try:
        report, created = actions.check_receive_report(
            request.user, feed, upload.chunks(), name, source=ReportSource.API
        )
    except ValidationError as exc:
        if _names_no_report_type(feed, name, exc):
            raise ApiProblem(400, "bad-request", " ".join(exc.messages)) from exc
        raise
    job = actions.report_jobs(report).first() if created else None
    return Status(202, {"report": report, "job": job.pk if job else None, "created": created})


def _uploaded_file(request: HttpRequest) -> Any:
    """The ``file`` part of a multipart body: 415 for another body, 413 when too large."""
    if not (request.content_type or "").startswith("multipart/"):
        raise ApiProblem(
            415, "http-error", _("Send the report as a multipart/form-data file (field “file”).")
        )
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": _("Attach the report as the “file” field.")})
    limit = actions.max_report_bytes()
    if (upload.size or 0) > limit:
        raise ApiProblem(
            413,
            "too-large",
            _("The file is larger than %(limit)d MB.") % {"limit": limit // 2**20},
        )
    return upload


def _names_no_report_type(feed: Feed, name: str, exc: ValidationError) -> bool:
    """Whether the action refused the file because its name names no Shadowserver report type."""
    return (
        feed.parser == ParserKind.SHADOWSERVER
        and hasattr(exc, "error_dict")
        and "file" in exc.error_dict
        and shadowserver.detect_report(name) is None
    )


# --- Reports ------------------------------------------------------------------------------------


@router.get(
    "/feed-reports",
    response=list[FeedReportOut],
    operation_id="feed_reports_list",
    summary="List feed reports",
)
@paginate(Page)
def list_reports(request: HttpRequest, filters: Query[FeedReportFilter]) -> Any:
    """Received reports, newest first (CERT staff and the auditor)."""
    actions.require(request.user, "feedreport.view")
    return filters.filter(actions.visible_reports(request.user))


@router.get(
    "/feed-reports/{id}",
    response=FeedReportOut,
    operation_id="feed_reports_detail",
    summary="Get a feed report",
)
def get_report(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_report(request.user, id)


@router.get(
    "/feed-reports/{id}/quarantine",
    response=list[QuarantinedRowOut],
    operation_id="feed_reports_quarantine",
    summary="List the quarantined rows of a feed report",
)
@paginate(Page)
def list_quarantine(request: HttpRequest, id: ObjectId) -> Any:
    """The rows that could not be read, by position, with the reason and the original text."""
    report = actions.access_report(request.user, id)
    actions.require(request.user, "quarantinedrow.view")
    return actions.visible_quarantine(request.user, report)


@router.post(
    "/feed-reports/{id}/reprocess",
    response={202: FeedReportReprocessOut},
    operation_id="feed_reports_reprocess",
    summary="Process a feed report again",
)
def reprocess_report(request: HttpRequest, id: ObjectId) -> Any:
    """Starts a job that reads the stored file again; the parts whose events are stored already
    are skipped. A report being processed is a 422."""
    report: FeedReport = actions.access_report(request.user, id)
    job = actions.check_reprocess_report(request.user, report)
    return Status(202, {"job": job.pk})


RowNumber = Annotated[int, Field(ge=1, le=MAX_ID)]
CorrectedRow = Annotated[Text, Field(max_length=MAX_CORRECTION_BYTES)]


class QuarantineRetryIn(Schema):
    rows: list[RowNumber] = Field(..., min_length=1, max_length=MAX_ROWS_PER_TRY)
    # Row number (as text: JSON object keys) → the corrected text of that row.
    corrections: dict[str, CorrectedRow] = Field(default_factory=dict)


class StillQuarantinedOut(Schema):
    row: int
    reason: str


class QuarantineRetryOut(Schema):
    stored: list[int]
    still_quarantined: list[StillQuarantinedOut]
    events_stored: int
    duplicates: int


@router.post(
    "/feed-reports/{id}/quarantine/retry",
    response=QuarantineRetryOut,
    operation_id="feed_reports_quarantine_retry",
    summary="Try quarantined rows of a feed report again",
)
def retry_quarantine(request: HttpRequest, id: ObjectId, payload: QuarantineRetryIn) -> Any:
    """Each row is read again, as it was or as corrected; rows that are now readable are stored as
    events under their row number, the others stay quarantined with the new reason."""
    report: FeedReport = actions.access_report(request.user, id)
    actions.require(request.user, "quarantinedrow.view")
    corrections: dict[int, str] = {}
    for key, text in payload.corrections.items():
        if not key.isdigit():
            raise ValidationError({"corrections": _("Corrections are keyed by row number.")})
        corrections[int(key)] = text
    outcome = check_retry_quarantined(request.user, report, payload.rows, corrections=corrections)
    return {
        "stored": outcome.stored,
        "still_quarantined": [
            {"row": row, "reason": reason} for row, reason in outcome.still_quarantined.items()
        ],
        "events_stored": outcome.events_stored,
        "duplicates": outcome.duplicates,
    }
