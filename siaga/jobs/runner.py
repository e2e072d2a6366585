"""Running one claimed job inside a worker: progress, log, cancellation, outcome."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from siaga.audit.context import audit_context
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.registry import get_kind

logger = logging.getLogger(__name__)

# Progress is written at most this often, so a tight loop does not hammer the database.
PROGRESS_WRITE_INTERVAL = 0.5


class JobCancelled(Exception):
    """Raised inside a handler once a user has asked to cancel its job."""


class JobContext:
    """What a job handler sees: its parameters, and ways to report progress and log lines."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.params: dict[str, Any] = dict(job.params)
        self._last_write = 0.0

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress; raises JobCancelled when a cancel was requested."""
        now = time.monotonic()
        finished_step = total is not None and done >= total
        if now - self._last_write < PROGRESS_WRITE_INTERVAL and not finished_step:
            return
        self._last_write = now
        fields: dict[str, Any] = {"progress_done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["progress_total"] = total
        if message is not None:
            fields["message"] = message[:300]
        Job.objects.filter(pk=self.job.pk).update(**fields)
        self.check_cancelled()

    def log(self, line: str) -> None:
        stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
        Job.objects.filter(pk=self.job.pk).update(
            log=Concat(F("log"), Value(f"[{stamp} UTC] {line}\n")), heartbeat_at=timezone.now()
        )

    def check_cancelled(self) -> None:
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled


def execute_job(job: Job) -> None:
    """Run a job that this worker has claimed, and record how it ended."""
    kind = get_kind(job.kind)
    context = JobContext(job)
    if kind is None:
        _finish(job, JobStatus.FAILED, message=f"unknown job kind {job.kind!r}")
        return
    if job.attempts > 1:
        context.log(f"attempt {job.attempts}: started again after the previous worker stopped")
    with audit_context(actor=job.created_by, via="job"):
        try:
            result = kind.handler(context) or {}
        except JobCancelled:
            context.log("cancelled on request")
            _finish(job, JobStatus.CANCELLED, message="cancelled")
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            context.log("failed:\n" + traceback.format_exc(limit=8))
            _finish(job, JobStatus.FAILED, message=f"{type(exc).__name__}: {exc}"[:300])
        else:
            _finish(job, JobStatus.SUCCEEDED, result=result)


def _finish(
    job: Job, status: str, *, message: str | None = None, result: dict[str, Any] | None = None
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
    }
    if message is not None:
        fields["message"] = message
    if result is not None:
        fields["result"] = result
    if status == JobStatus.SUCCEEDED:
        fields["progress_done"] = F("progress_total")
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)
