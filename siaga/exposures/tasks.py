"""Background work of the exposures app: the matching job, the beat tasks, the per-constituent run.

A full run reads every inventory item of active constituents as tuples (about 100 bytes each: half
a million items take some 60 MB while indexed) and the affected products; findings are written
``actions.BATCH`` rows per transaction. Two runs at once are safe: the unique constraint on
(item, CVE) keeps one finding per pair, and status changes are plain UPDATEs to the same values.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.exposures.actions import attach_feed_events, do_match_all
from siaga.jobs.choices import JobStatus
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext

JOB_KIND = "exposures.match"


def clean_match_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"organization"}
    if unknown:
        raise ValueError("the only parameter is organization (an organization id)")
    organization = params.get("organization")
    if organization is not None and (
        isinstance(organization, bool) or not isinstance(organization, int) or organization < 1
    ):
        raise ValueError("organization must be an organization id")
    return params


@job_kind(
    JOB_KIND,
    _("Match vulnerabilities against inventories"),
    permission="finding.add",
    clean_params=clean_match_params,
)
def match_job(context: JobContext) -> dict[str, Any]:
    params = clean_match_params(context.params)
    organization = params.get("organization")

    def progress(done: int, total: int, message: str) -> None:
        context.progress(done, total or None, message)

    result = do_match_all(
        organization_ids=[organization] if organization else None, progress=progress
    )
    attached = attach_feed_events(timezone.now() - timedelta(days=2)) if not organization else None
    context.log(
        f"{result.items} items, {result.products} products, {result.matched_pairs} matches: "
        f"{result.created} new, {result.updated} refreshed, {result.reopened} reopened, "
        f"{result.resolved} resolved; {result.notified_organizations} constituent(s) e-mailed"
    )
    outcome = result.as_dict()
    if attached is not None:
        outcome["feed"] = attached.as_dict()
    return outcome


def schedule_organization_match(organization_id: int) -> None:
    """Match one constituent again once the current transaction commits (its inventory changed);
    a run already waiting for it is enough."""
    from siaga.jobs.actions import do_enqueue_job
    from siaga.jobs.models import Job

    def enqueue() -> None:
        waiting = Job.objects.filter(
            kind=JOB_KIND, status=JobStatus.QUEUED, params={"organization": organization_id}
        )
        if not waiting.exists():
            do_enqueue_job(JOB_KIND, {"organization": organization_id})

    transaction.on_commit(enqueue)


def schedule_full_match() -> None:
    """Match every inventory again once the current transaction commits (vulnerabilities were
    imported); a full run already waiting is enough."""
    from siaga.jobs.actions import do_enqueue_job
    from siaga.jobs.models import Job

    def enqueue() -> None:
        waiting = Job.objects.filter(kind=JOB_KIND, status=JobStatus.QUEUED, params={})
        if not waiting.exists():
            do_enqueue_job(JOB_KIND, {})

    transaction.on_commit(enqueue)


@shared_task(name="siaga.exposures.tasks.match_all")
def match_all() -> dict[str, Any]:
    """Beat (daily, and after vulnerability imports): the full run as a job row."""
    from siaga.jobs.actions import do_enqueue_job

    job = do_enqueue_job(JOB_KIND, {})
    return {"job": job.pk}


@shared_task(name="siaga.exposures.tasks.attach_feed_events")
def attach_feed_events_task(hours: int = 2) -> dict[str, Any]:
    """Beat (hourly): feed sightings of the last ``hours`` (overlapping runs link each once)."""
    return attach_feed_events(timezone.now() - timedelta(hours=hours)).as_dict()
