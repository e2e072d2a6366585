"""Starting, claiming, cancelling and retrying jobs."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.registry import JobKind, all_kinds, get_kind


def check_start_job(user: Any, kind_name: str, params: dict[str, Any] | None = None) -> Job:
    """Validate a user's request to start a job, then start it."""
    kind = get_kind(kind_name)
    if kind is None or not kind.startable_by_users:
        raise ValidationError({"kind": _("Unknown job kind: %(kind)s") % {"kind": kind_name}})
    if not principal_for(user).has_perm(kind.permission):
        raise PermissionDenied(_("You may not start this kind of job."))
    try:
        cleaned = kind.clean_params(dict(params or {}))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError({"params": str(exc)}) from exc
    return do_enqueue_job(kind, cleaned, created_by=user)


def do_enqueue_job(
    kind: JobKind | str,
    params: dict[str, Any] | None = None,
    *,
    created_by: Any = None,
    related: models.Model | None = None,
    retry_of: Job | None = None,
) -> Job:
    """Create the job row and hand it to a worker once the row is committed."""
    kind_name = kind if isinstance(kind, str) else kind.name
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind_name,
            params=params or {},
            created_by=created_by,
            related_type=ContentType.objects.get_for_model(related)
            if related is not None
            else None,
            related_id=str(related.pk) if related is not None else "",
            retry_of=retry_of,
        )
        do_record_event(
            AuditAction.JOB,
            job,
            changes={"event": "queued", "kind": kind_name, "params": params or {}},
            actor=created_by,
        )
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> None:
    from siaga.jobs.tasks import run_job

    run_job.delay(job_id)


def claim_job(job_id: int, worker: str | None = None) -> Job | None:
    """Take a queued job (or one whose worker went silent) for this worker; None if someone else has it."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.SIAGA_JOB_STALE_SECONDS)
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(status=JobStatus.QUEUED, cancel_requested=False)
            | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
        )
        .update(
            status=JobStatus.RUNNING,
            started_at=Coalesce(F("started_at"), now),
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            worker=(worker or socket.gethostname())[:200],
        )
    )
    return Job.objects.select_related("created_by").get(pk=job_id) if claimed else None


def check_cancel_job(user: Any, job: Job) -> Job:
    if not Job.objects.restrict(user, "change").filter(pk=job.pk).exists():
        raise PermissionDenied(_("You may not cancel this job."))
    if job.is_finished:
        raise ValidationError(_("This job has already finished."))
    return do_cancel_job(job)


def do_cancel_job(job: Job) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    with transaction.atomic():
        now = timezone.now()
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now, message="cancelled"
        )
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
        do_record_event(AuditAction.JOB, job, changes={"event": "cancel requested"})
    job.refresh_from_db()
    return job


def check_retry_job(user: Any, job: Job) -> Job:
    if not Job.objects.restrict(user, "change").filter(pk=job.pk).exists():
        raise PermissionDenied(_("You may not retry this job."))
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise ValidationError(_("Only failed or cancelled jobs can be retried."))
    kind = get_kind(job.kind)
    if kind is None or not principal_for(user).has_perm(kind.permission):
        raise PermissionDenied(_("You may not start this kind of job."))
    return do_enqueue_job(
        kind, job.params, created_by=user, related=job.related_object, retry_of=job
    )


def requeue_stalled_jobs() -> list[int]:
    """Give jobs whose worker died (no heartbeat) and jobs whose message was lost to a worker again."""
    stale = timezone.now() - timedelta(seconds=settings.SIAGA_JOB_STALE_SECONDS)
    stalled = list(
        Job.objects.filter(
            Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
            | Q(status=JobStatus.QUEUED, created_at__lt=stale, cancel_requested=False)
        ).values_list("pk", flat=True)
    )
    for job_id in stalled:
        dispatch(job_id)
    return stalled


def startable_kinds(user: Any) -> list[JobKind]:
    """The kinds of job this user may start: those ``check_start_job`` would accept."""
    principal = principal_for(user)
    return [
        kind
        for kind in all_kinds()
        if kind.startable_by_users and principal.has_perm(kind.permission)
    ]
