"""API of background jobs: start one, follow its progress, cancel or retry it."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.core.apitools import ObjectId, Page, Text, optional
from siaga.jobs import actions
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.organizations.api import UserRef

router = Router(tags=["jobs"])


class JobSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: JobStatus
    percent: int = Field(description="0 to 100; 100 once the job succeeded.")
    message: str
    created_by: UserRef | None
    created_at: datetime


class JobProgress(Schema):
    done: int
    total: int


class JobTimings(Schema):
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None = Field(description="Running time so far, or in all.")


class JobOut(JobSummaryOut):
    params: dict[str, Any]
    result: dict[str, Any]
    log: str
    progress: JobProgress
    timings: JobTimings
    attempts: int
    cancel_requested: bool
    retry_of_id: int | None

    @staticmethod
    def resolve_progress(obj: Job) -> dict[str, int]:
        return {"done": obj.progress_done, "total": obj.progress_total}

    @staticmethod
    def resolve_timings(obj: Job) -> dict[str, Any]:
        return {
            "created_at": obj.created_at,
            "started_at": obj.started_at,
            "finished_at": obj.finished_at,
            "duration_seconds": obj.duration_seconds,
        }


class JobKindOut(Schema):
    name: str
    label: str

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.label)


class JobIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Text = Field(
        min_length=1, max_length=60, description="One of GET /job-kinds.", examples=["system.smoke"]
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Depends on the kind.",
        examples=[{"steps": 3, "step_seconds": 0.1}],
    )


class JobFilter(FilterSchema):
    status: JobStatus = optional()
    kind: Text = optional(max_length=60)


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk)


@router.get("/jobs", response=list[JobSummaryOut], operation_id="jobs_list", summary="List jobs")
@paginate(Page)
def list_jobs(request: HttpRequest, filters: Query[JobFilter]) -> Any:
    """The jobs you may see, newest first."""
    jobs = Job.objects.restrict(request.user, "view").select_related("created_by")
    return filters.filter(jobs).order_by("-created_at", "-pk")


@router.get("/jobs/{id}", response=JobOut, operation_id="jobs_get", summary="Get a job")
def get_job(request: HttpRequest, id: ObjectId) -> Any:
    """Status, progress, message, log, result and timings: poll this to follow a job."""
    return _job(request, id)


@router.get(
    "/job-kinds",
    response=list[JobKindOut],
    operation_id="job_kinds_list",
    summary="List the kinds of job you may start",
)
def list_job_kinds(request: HttpRequest) -> Any:
    return actions.startable_kinds(request.user)


@router.post("/jobs", response={201: JobOut}, operation_id="jobs_create", summary="Start a job")
def start_job(request: HttpRequest, payload: JobIn) -> Any:
    """Queues the job; a worker picks it up once the request has committed."""
    return Status(201, actions.check_start_job(request.user, payload.kind, payload.params))


@router.post(
    "/jobs/{id}/cancel", response=JobOut, operation_id="jobs_cancel", summary="Cancel a job"
)
def cancel_job(request: HttpRequest, id: ObjectId) -> Any:
    """A queued job stops at once, a running one at its next progress report."""
    return actions.check_cancel_job(request.user, _job(request, id))


@router.post(
    "/jobs/{id}/retry", response={201: JobOut}, operation_id="jobs_retry", summary="Retry a job"
)
def retry_job(request: HttpRequest, id: ObjectId) -> Any:
    """Starts a new job with the same parameters as a failed or cancelled one."""
    return Status(201, actions.check_retry_job(request.user, _job(request, id)))
