"""Background work of the digests app: the beat task and the ``digests.send`` job.

Both run ``do_run_due_digests``: each due subscription in its own transaction (a few queries and
one GROUP BY over the organization's events of the period; items written ``ITEM_BATCH`` at a time).
Sending is left to the notifications app's workers, so a run takes seconds even for hundreds of
constituents. Two runs at once are safe: each subscription is locked and checked again before
its digest is built.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.digests.actions import do_run_due_digests
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.digests.tasks.send_due_digests")
def send_due_digests() -> dict[str, Any]:
    """Beat (every 15 minutes): build and send the digests that are due."""
    return do_run_due_digests()


@job_kind("digests.send", _("Send due feed digests"), permission="digest.add")
def send_due_digests_job(context: JobContext) -> dict[str, Any]:
    """The same run, started by CERT staff from the jobs page (e.g. after the beat was down)."""
    result = do_run_due_digests()
    context.log(f"{result['due']} due, {result['sent']} digest(s) sent, {result['failed']} failed")
    return result
