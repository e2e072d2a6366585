"""Audit job kinds: verify the hash chain, export entries to CSV."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.audit.actions import iter_chain_problems
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext

MAX_REPORTED_PROBLEMS = 1000


@job_kind("audit.verify", _("Verify the audit trail"), permission="audit.view")
def verify_audit_chain(context: JobContext) -> dict[str, Any]:
    problems: list[str] = []
    for problem in iter_chain_problems(progress=lambda done, total: context.progress(done, total)):
        if len(problems) < MAX_REPORTED_PROBLEMS:
            problems.append(str(problem))
            context.log(str(problem))
    context.log("chain intact" if not problems else f"{len(problems)} problem(s) found")
    return {"intact": not problems, "problems": problems}


@shared_task(name="siaga.audit.tasks.schedule_audit_verification")
def schedule_audit_verification() -> int:
    """Nightly (beat): verify the chain as a job, so the outcome is visible on the jobs page."""
    from siaga.jobs.actions import do_enqueue_job

    return do_enqueue_job("audit.verify").pk
