"""Background work of sector reports: the daily beat task that drafts the report of the period
just ended, and the "generate now" job (``reports.generate``).

Generation runs a dozen ``GROUP BY`` queries over one period (and the previous one) plus the
incidents' timestamps of the period: seconds at most, one transaction for the write.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext
from siaga.reports import actions, periods

GENERATE_JOB = "reports.generate"


@shared_task(name="siaga.reports.tasks.create_due_sector_reports")
def create_due_sector_reports() -> dict[str, Any]:
    """Beat (daily): the draft of each period kind in ``SIAGA_SECTOR_REPORT_PERIODS`` that ended
    yesterday, if it does not exist yet; the CERT's leads are told."""
    created = actions.do_create_due_reports()
    return {"created": [report.pk for report in created]}


def clean_generate_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"period_kind", "day"}
    if unknown:
        raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
    kind, day = params.get("period_kind"), params.get("day")
    if kind not in periods.KINDS:
        raise ValueError("period_kind must be monthly or quarterly")
    try:
        period = actions.clean_period(kind, day)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc
    return {"period_kind": kind, "day": period.start.isoformat()}


@job_kind(
    GENERATE_JOB,
    _("Generate a sector report"),
    permission="sectorreport.add",
    clean_params=clean_generate_params,
)
def generate_sector_report_job(context: JobContext) -> dict[str, Any]:
    """Make or refresh the draft of the chosen period (safe to run again)."""
    period = actions.clean_period(context.params["period_kind"], context.params["day"])
    report, created = actions.do_generate(period, user=context.job.created_by)
    context.log(f"{'created' if created else 'regenerated'} sector report {period.key()}")
    return {"report": report.pk, "created": created, "period": period.key()}
