"""API of STIX imports: ``POST /stix/imports``.

Two ways in. A bundle sent as the JSON body (``application/json`` or ``application/stix+json``)
of at most ``SYNC_MAX_BYTES`` is imported while the client waits: 200 when every object was
stored or already held, 207 when some were refused (each named with its index, id and
problem), 400 when nothing could be read. A file sent as ``multipart/form-data`` (field
``file``) is stored and imported by a ``stix.import`` job: 202 with the job's id, whose
progress and result ``GET /jobs/{id}`` shows.

The labels (source organization, TLP, distribution, sharing group) are query parameters, or form
fields beside the file.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from siaga.core.apitools import MAX_ID, ApiProblem
from siaga.sharing.choices import TLP, Distribution
from siaga.stix.actions import (
    SYNC_MAX_BYTES,
    check_import_bundle_bytes,
    check_labels,
    check_start_file_import,
)

router = Router(tags=["stix"])


class ImportLabels(Schema):
    organization: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Source organization; may be left out when you have only one.",
    )
    tlp: TLP = Field(TLP.AMBER, description="TLP of the objects, unless marked more strictly.")
    distribution: Distribution = Field(Distribution.ORGANIZATION)
    sharing_group: int | None = Field(None, ge=1, le=MAX_ID)


class ProblemOut(Schema):
    index: int = Field(description="The entry's position in the bundle's objects (from 0).")
    id: str | None
    message: str


class StixImportOut(Schema):
    added: int
    duplicates: int = Field(description="Versions already stored (or repeated in the bundle).")
    custom: int = Field(description="Objects of custom types, stored like the others.")
    custom_types: dict[str, int]
    pending_references: int = Field(description="References to objects not held yet.")
    indicators_derived: int
    failed: int
    failures: list[ProblemOut]
    warnings: list[ProblemOut]


class ImportJobOut(Schema):
    job_id: int
    status: str


REQUEST_BODY = {
    "x-siaga-problems": ["415"],
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "A STIX 2.0/2.1 bundle."}
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        }
    },
}


def _labels(request: HttpRequest, query: ImportLabels) -> Any:
    data = query.dict()
    for name in ("organization", "sharing_group", "tlp", "distribution"):
        if request.POST.get(name):  # form fields beside a file
            data[name] = request.POST[name]
    for name in ("organization", "sharing_group"):
        value = data[name]
        if value is not None and not str(value).isdigit():
            raise ValidationError({name: _("Enter a whole number.")})
        data[name] = int(value) if value is not None else None
    return check_labels(request.user, **data)


def _body(request: HttpRequest) -> bytes:
    data = request.read(SYNC_MAX_BYTES + 1)
    if len(data) > SYNC_MAX_BYTES:
        raise ApiProblem(
            413,
            "http-error",
            _("The bundle is larger than %(limit)d MB; upload it as a multipart file instead.")
            % {"limit": SYNC_MAX_BYTES // (1024 * 1024)},
        )
    return data


@router.post(
    "/stix/imports",
    response={200: StixImportOut, 207: StixImportOut, 400: StixImportOut, 202: ImportJobOut},
    operation_id="stix_imports_create",
    summary="Import a STIX bundle",
    openapi_extra=REQUEST_BODY,
)
def create_import(request: HttpRequest, query: Query[ImportLabels]) -> Any:
    """Import a bundle now (JSON body) or as a job (multipart ``file``)."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": _("Attach the bundle as the “file” field.")})
        job = check_start_file_import(request.user, upload, _labels(request, query))
        return Status(202, {"job_id": job.pk, "status": job.status})
    if not content_type.startswith(("application/json", "application/stix+json")):
        raise ApiProblem(
            415,
            "http-error",
            _("Send the bundle as application/json, or as a multipart/form-data file."),
        )
    labels = _labels(request, query)
    result = check_import_bundle_bytes(request.user, _body(request), labels, source="API")
    if result.failed and not (result.added or result.duplicates):
        status = 400
    else:
        status = 207 if result.failed else 200
    return Status(status, result.as_dict())
