"""Background work of the risk register: the daily reminder of reviews that are due.

One transaction per due risk (a locked row and one e-mail handed to the notifications app), so a
run over thousands of risks takes seconds; overlapping runs are safe.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext
from siaga.risks.reminders import do_send_review_reminders


@shared_task(name="siaga.risks.tasks.send_review_reminders")
def send_review_reminders() -> dict[str, Any]:
    """Beat (daily): e-mail the owners of risks whose review is due, once per due date."""
    return do_send_review_reminders()


# ``job.add`` (the CERT's staff): a constituent's administrator changes only its own risks, while
# the run reminds every owner.
@job_kind("risks.remind", _("Send risk review reminders"))
def send_review_reminders_job(context: JobContext) -> dict[str, Any]:
    """The same run, started by CERT staff from the jobs page."""
    result = do_send_review_reminders()
    context.log(f"{result['reminded']} reminder(s) sent")
    return result
