"""Collect report e-mails every minute: the drop folder always, the IMAP mailbox when configured."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from siaga.integrations.mailintake.collectors import (
    CollectionResult,
    ImapSettings,
    collect_drop_folder,
    collect_imap,
)
from siaga.integrations.mailintake.intake import max_message_bytes, take_in_mail
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


def imap_settings() -> ImapSettings | None:
    if not settings.SIAGA_IMAP_HOST:
        return None
    return ImapSettings(
        host=settings.SIAGA_IMAP_HOST,
        port=settings.SIAGA_IMAP_PORT,
        user=settings.SIAGA_IMAP_USER,
        password=settings.SIAGA_IMAP_PASSWORD,
        folder=settings.SIAGA_IMAP_FOLDER,
        ssl=settings.SIAGA_IMAP_SSL,
    )


def collect_all() -> dict[str, Any]:
    """One round of intake; the result lists what was filed, rejected and left for next time."""
    results = {
        "folder": collect_drop_folder(
            settings.SIAGA_MAIL_INTAKE_DIR, take_in_mail, max_bytes=max_message_bytes()
        )
    }
    imap = imap_settings()
    if imap is not None:
        results["imap"] = collect_imap(imap, take_in_mail, max_bytes=max_message_bytes())
    return {name: result.as_dict() for name, result in results.items()}


@shared_task(name="siaga.integrations.mailintake.tasks.collect_report_mail")
def collect_report_mail() -> dict[str, Any]:
    return collect_all()


@job_kind("mail.collect", _("Collect incident reports from e-mail"), permission="report.triage")
def collect_report_mail_job(context: JobContext) -> dict[str, Any]:
    result = collect_all()
    for name, outcome in result.items():
        summary = CollectionResult(**outcome)
        context.log(
            f"{name}: {len(summary.filed)} filed, {len(summary.rejected)} rejected, "
            f"{len(summary.failed)} left for the next run"
        )
        for line in summary.rejected:
            context.log(f"rejected {line}")
    return result
