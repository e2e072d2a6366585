"""Background work of the coordination group: the daily action-item reminders.

One transaction per due item (a locked row, one e-mail handed to the notifications app): a run over
hundreds of items takes a second or two. Overlapping runs are safe: rows are checked under lock.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.governance.reminders import do_send_action_reminders
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.governance.tasks.send_action_item_reminders")
def send_action_item_reminders() -> dict[str, Any]:
    """Beat (daily): owners of action items due soon or overdue, once each."""
    return do_send_action_reminders()


@job_kind("governance.remind", _("Send action-item reminders"), permission="meeting.change")
def send_action_item_reminders_job(context: JobContext) -> dict[str, Any]:
    """The same run, started by the secretariat from the jobs page."""
    result = do_send_action_reminders()
    context.log(f"{result['due_soon']} due-soon and {result['overdue']} overdue reminder(s) sent")
    return result
