"""Background work of the incidents app: the deadline scan (beat, every minute, and a job kind).

The scan reads running clocks that reached their warning time and open incidents with an SLA
milestone due soon or late, ``SCAN_BATCH`` rows at a time (a few hundred open incidents at a
national CERT: one scan takes well under a second and holds a batch of rows in memory). Each
warning is claimed before it is sent, so two scans at once never notify twice.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.incidents.actions import deadlines
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.incidents.tasks.scan_deadlines")
def scan_deadlines() -> dict[str, int]:
    """Beat, every 60 s: warn of legal clocks and SLA milestones due soon or breached."""
    return deadlines.scan_deadlines()


@job_kind("incidents.scan_deadlines", _("Scan incident deadlines"), permission="incident.change")
def scan_deadlines_job(context: JobContext) -> dict[str, Any]:
    """The same scan, started by hand from the jobs page (e.g. after the beat was down)."""
    result = deadlines.scan_deadlines()
    context.log(
        f"{result['clock_warnings']} clock warning(s), {result['sla_alerts']} SLA alert(s) sent"
    )
    return result
