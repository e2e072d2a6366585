"""Background work of the feeds app: the ``feeds.process`` job.

A job processes one stored report chunk by chunk (``siaga.feeds.pipeline``; 8 MB of CSV per chunk,
a few hundred MB of memory at most whatever the file's size). Each chunk commits with its events;
a job run again after its worker died skips the chunks already stored.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.feeds.actions import JOB_KIND, stored_path
from siaga.feeds.choices import FeedReportStatus
from siaga.feeds.models import FeedReport
from siaga.feeds.pipeline import process_report
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


def clean_process_params(params: dict[str, Any]) -> dict[str, Any]:
    if set(params) != {"report"}:
        raise ValueError("the only parameter is report (a report id)")
    report = params["report"]
    if isinstance(report, bool) or not isinstance(report, int) or report < 1:
        raise ValueError("report must be a report id")
    return params


@job_kind(
    JOB_KIND,
    _("Process a feed report"),
    permission="feedreport.add",
    clean_params=clean_process_params,
    startable_by_users=False,  # started by receiving a report or re-processing one
)
def process_report_job(context: JobContext) -> dict[str, Any]:
    params = clean_process_params(context.params)
    report = FeedReport.objects.select_related("feed").get(pk=params["report"])
    path = stored_path(report)
    if not path.exists():
        _fail(report, f"the stored file {report.sha256} is gone")
        raise FileNotFoundError(f"the stored file of report {report.pk} is gone")

    def progress(done: int, total: int) -> None:
        context.progress(
            done, total or None, f"{done // 1024 // 1024} of {total // 1024 // 1024} MB"
        )

    try:
        result = process_report(report, path, progress=progress)
    except Exception as exc:
        _fail(report, str(exc))
        raise
    context.log(
        f"{result.rows} rows: {result.stored} events stored, {result.merged} duplicates merged, "
        f"{result.quarantined} quarantined; {result.chunks_skipped} chunks stored earlier"
    )
    return {
        "rows": result.rows,
        "stored": result.stored,
        "merged": result.merged,
        "quarantined": result.quarantined,
        "chunks_skipped": result.chunks_skipped,
    }


def _fail(report: FeedReport, message: str) -> None:
    FeedReport.objects.filter(pk=report.pk).update(
        status=FeedReportStatus.FAILED, error=message[:2000]
    )


@shared_task(name="siaga.feeds.tasks.collect_feeds")
def collect_feeds() -> dict[str, Any]:
    """Beat, every minute: collect the feeds that are due (HTTP, IMAP and TAXII, one after the
    other; one failing feed does not stop the others) and take in the drop folders."""
    from siaga.feeds.collectors import collect_drop_folders, fetch_due_feeds

    fetched = fetch_due_feeds()
    dropped = collect_drop_folders()
    return {
        "fetched": fetched,
        "dropped": [report.pk for report in dropped.received],
        "repeated": dropped.repeated,
        "rejected": dropped.failed,
    }


@shared_task(name="siaga.feeds.tasks.apply_retention")
def apply_retention() -> dict[str, int]:
    """Beat, daily: events and reports past ``SIAGA_FEED_RETENTION_DAYS``."""
    from siaga.feeds.retention import do_apply_retention

    return do_apply_retention().as_dict()
