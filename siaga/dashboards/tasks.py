"""Background work of the dashboards: recomputing the incident roll-ups.

``refresh_rollups`` (beat, every few minutes) is a safety net: marked days are normally recomputed
right after the writer's commit, so it finds nothing unless a hook failed; each day is one GROUP BY
over that day's incidents. ``rebuild`` (a job CERT staff start from the jobs page, or the
``rebuild_dashboard_rollups`` command) recomputes everything, 62 days per transaction: about
100,000 incidents in a few seconds.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.dashboards.rollups import rebuild, refresh
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.dashboards.tasks.refresh_rollups")
def refresh_rollups() -> dict[str, Any]:
    """Beat: recompute any roll-up day still marked."""
    return {"days": refresh()}


@job_kind("dashboards.rebuild", _("Rebuild the dashboard roll-ups"), permission="job.add")
def rebuild_rollups_job(context: JobContext) -> dict[str, Any]:
    days = rebuild()
    context.log(f"{days} day(s) rebuilt")
    return {"days": days}
