"""Background work of the vulnerabilities app: the scheduled refresh from configured URLs.

The beat task ``refresh_vulnerability_sources`` starts one ``vulns.refresh`` job (a row on the jobs
page, with progress per source and a log), unless one is already waiting or running or no source
is configured. The job fetches and imports each source (``siaga.vulns.refresh``); the imports are
idempotent, so running it twice, or again after a worker died, changes nothing more.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.jobs.choices import JobStatus
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext

JOB_KIND = "vulns.refresh"


@shared_task(name="siaga.vulns.tasks.refresh_vulnerability_sources")
def refresh_vulnerability_sources() -> dict[str, Any]:
    """Beat (e.g. daily): a ``vulns.refresh`` job, when sources are configured."""
    from siaga.jobs.actions import do_enqueue_job
    from siaga.jobs.models import Job
    from siaga.vulns.refresh import configured_sources

    if not configured_sources():
        return {"job": None, "reason": "no sources configured"}
    busy = Job.objects.filter(kind=JOB_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    if busy.exists():
        return {"job": None, "reason": "a refresh is already queued or running"}
    return {"job": do_enqueue_job(JOB_KIND, {}).pk}


@job_kind(JOB_KIND, _("Refresh vulnerability data"), permission="vulnerability.add")
def refresh_job(context: JobContext) -> dict[str, Any]:
    """Fetch and import the KEV catalog, the CSAF documents and the EPSS scores configured in
    ``SIAGA_VULN_SOURCES``."""
    from siaga.vulns.refresh import refresh_sources

    def progress(done: int, total: int, message: str) -> None:
        context.progress(done, total, message)

    outcome = refresh_sources(progress=progress, log=context.log)
    if outcome.failed and outcome.failed == len(outcome.sources):
        raise RuntimeError(f"every source failed ({outcome.failed})")
    return outcome.as_dict()
