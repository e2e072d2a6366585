"""Background work of the advisories app: reminders to recipients that have not answered.

The beat task runs ``do_send_reminders`` (one transaction per due recipient: a locked row, a few
queries and the e-mails handed to the notifications app's workers), so a run over thousands of
recipients takes seconds. Overlapping runs are safe: each row is checked again under its lock.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.advisories.actions import do_send_reminders
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.advisories.tasks.send_advisory_reminders")
def send_advisory_reminders() -> dict[str, Any]:
    """Beat (hourly): remind recipients that have not answered (see SIAGA_ADVISORY_REMINDER_DAYS
    and SIAGA_ADVISORY_MAX_REMINDERS)."""
    return do_send_reminders()


@job_kind("advisories.remind", _("Send advisory reminders"), permission="advisory.change")
def send_advisory_reminders_job(context: JobContext) -> dict[str, Any]:
    """The same run, started by CERT staff from the jobs page."""
    result = do_send_reminders()
    context.log(f"{result['reminded']} reminder(s) sent")
    return result
