"""Celery tasks of the job system, and the worker smoke-test job kind."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.jobs import actions
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext, execute_job


@shared_task(name="siaga.jobs.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    """Claim and run one job. A second delivery of the same message finds it claimed and returns."""
    job = actions.claim_job(job_id, worker=run_job.request.hostname)
    if job is not None:
        execute_job(job)


@shared_task(name="siaga.jobs.tasks.requeue_stalled_jobs")
def requeue_stalled_jobs() -> list[int]:
    return actions.requeue_stalled_jobs()


def clean_smoke_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"steps", "step_seconds"}
    if unknown:
        raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
    steps = int(params.get("steps", 20))
    step_seconds = float(params.get("step_seconds", 0.5))
    if not 1 <= steps <= 1000:
        raise ValueError("steps must be between 1 and 1000")
    if not 0 <= step_seconds <= 10:
        raise ValueError("step_seconds must be between 0 and 10")
    return {"steps": steps, "step_seconds": step_seconds}


@job_kind("system.smoke", _("Worker smoke test"), clean_params=clean_smoke_params)
def smoke_test(context: JobContext) -> dict[str, Any]:
    """Walk through a number of timed steps: proves a worker picks up jobs and reports progress."""
    steps, pause = context.params["steps"], context.params["step_seconds"]
    context.log(f"smoke test: {steps} steps of {pause} s")
    for step in range(1, steps + 1):
        time.sleep(pause)
        context.progress(step, steps, message=f"step {step} of {steps}")
    return {"steps": steps}
