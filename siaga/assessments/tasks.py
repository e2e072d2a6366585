"""Background work of the assessments app: reminders before a campaign's deadline.

The beat task (daily) runs ``do_send_reminders``: one short transaction per due assessment (a
locked row, the e-mails handed to the notifications app's workers), so thousands take seconds.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.assessments.actions import do_send_reminders
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.assessments.tasks.send_assessment_reminders")
def send_assessment_reminders() -> dict[str, Any]:
    """Beat (daily): remind constituents whose assessment is due within
    SIAGA_ASSESSMENT_REMINDER_DAYS and not yet submitted."""
    return do_send_reminders()


@job_kind("assessments.remind", _("Send assessment reminders"), permission="campaign.change")
def send_assessment_reminders_job(context: JobContext) -> dict[str, Any]:
    """The same run, started by CERT staff from the jobs page."""
    result = do_send_reminders()
    context.log(f"{result['reminded']} reminder(s) sent")
    return result
