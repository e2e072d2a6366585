"""State changes of sector reports: generating (and regenerating) a draft, editing the narrative,
publishing and withdrawing; and the daily schedule that drafts the period just ended.

``check_*`` checks permission and input, then calls ``do_*``, which writes, records the audit
entry and notifies after commit. Generating takes the figures (``snapshot.build_snapshot``) before
the row is locked, so the lock is held only for the write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.reports import periods
from siaga.reports.choices import SectorReportStatus
from siaga.reports.models import NARRATIVE_MAX, SectorReport
from siaga.reports.notifications import notify_draft_ready
from siaga.reports.snapshot import build_snapshot

DEFAULT_PERIODS = ("quarterly",)


def scheduled_kinds() -> list[str]:
    """The period kinds drafted automatically (``SIAGA_SECTOR_REPORT_PERIODS``)."""
    configured = getattr(settings, "SIAGA_SECTOR_REPORT_PERIODS", DEFAULT_PERIODS)
    if isinstance(configured, str):
        configured = [part.strip() for part in configured.split(",")]
    return [kind for kind in periods.KINDS if kind in configured]


def visible_reports(user: Any) -> QuerySet[SectorReport]:
    return SectorReport.objects.restrict(user, "view")


def access_report(user: Any, pk: int, action: str = "view") -> SectorReport:
    """The report, if the user may ``action`` it; 404 if they may not even see it."""
    report = get_object_or_404(visible_reports(user), pk=pk)
    if action != "view" and not SectorReport.objects.restrict(user, action).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this sector report."))
    return report


def _require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied(_("You may not do this with sector reports."))


def _record(report: SectorReport, step: str, was: str, **extra: Any) -> None:
    do_record_event(
        AuditAction.UPDATE,
        report,
        changes={"workflow": step, "status": [was, report.status], **extra},
    )


# --- Generating ----------------------------------------------------------------------------------


def do_generate(
    period: periods.Period, *, user: Any = None, now: datetime | None = None
) -> tuple[SectorReport, bool]:
    """The draft for ``period`` with fresh figures: created, or a draft regenerated.

    Returns (report, created). A published or withdrawn report is never touched: its figures stay
    those it was published with (``ValidationError``)."""
    now = now or timezone.now()
    figures = build_snapshot(period, now=now)
    with transaction.atomic():
        report = (
            SectorReport.objects.select_for_update()
            .filter(period_kind=period.kind, period_start=period.start)
            .first()
        )
        if report is not None and not report.is_draft:
            raise ValidationError({"period": _("The report for this period is already published.")})
        created = report is None
        if report is None:
            report = SectorReport(
                period_kind=period.kind, period_start=period.start, period_end=period.end
            )
        report.snapshot = figures
        report.generated_at = now
        report.generated_by = user
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError as exc:  # a concurrent run created it first
            raise ValidationError(
                {"period": _("The report for this period is being generated already.")}
            ) from exc
        if not created:
            _record(report, "regenerate", SectorReportStatus.DRAFT)
    return report, created


def clean_period(kind: Any, day: Any) -> periods.Period:
    """The period of kind ``kind`` that contains ``day`` (an ISO date string or a date)."""
    if kind not in periods.KINDS:
        raise ValidationError({"period_kind": _("Choose monthly or quarterly.")})
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError as exc:
            raise ValidationError({"day": _("Enter a valid date.")}) from exc
    if not isinstance(day, date) or not (2000 <= day.year <= 2100):
        raise ValidationError({"day": _("Enter a valid date.")})
    period = periods.period_of(kind, day)
    if period.start > periods.local_today(timezone.now()):
        raise ValidationError({"day": _("This period has not started yet.")})
    return period


def check_generate(user: Any, kind: Any, day: Any) -> SectorReport:
    _require(user, "sectorreport.add")
    period = clean_period(kind, day)
    return do_generate(period, user=user)[0]


def check_regenerate(user: Any, report: SectorReport) -> SectorReport:
    _require(user, "sectorreport.change")
    if not report.is_draft:
        raise ValidationError({"status": _("Only a draft can be regenerated.")})
    return do_generate(report.period, user=user)[0]


# --- Narrative and publication --------------------------------------------------------------------


def clean_narrative(value: Any) -> str:
    """Plain text: NUL characters removed (PostgreSQL cannot store them), trimmed, bounded."""
    text = str(value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > NARRATIVE_MAX:
        raise ValidationError(_("At most %(limit)d characters.") % {"limit": NARRATIVE_MAX})
    return text


def check_update_narrative(
    user: Any, report: SectorReport, narrative_id: Any, narrative_en: Any
) -> SectorReport:
    _require(user, "sectorreport.change")
    errors = {}
    cleaned = {}
    for field, value in (("narrative_id", narrative_id), ("narrative_en", narrative_en)):
        try:
            cleaned[field] = clean_narrative(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = SectorReport.objects.select_for_update().get(pk=report.pk)
        if not locked.is_draft:
            raise ValidationError({"status": _("A published report cannot be edited.")})
        for field, value in cleaned.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*cleaned, "updated_at"])
    return locked


def check_publish(user: Any, report: SectorReport) -> SectorReport:
    _require(user, "sectorreport.publish")
    with transaction.atomic():
        locked = SectorReport.objects.select_for_update().get(pk=report.pk)
        if not locked.is_draft:
            raise ValidationError({"status": _("Only a draft can be published.")})
        if not locked.snapshot:
            raise ValidationError({"status": _("Generate the report's figures first.")})
        missing = [lang for lang in ("id", "en") if not locked.narrative(lang)]
        if missing:
            raise ValidationError(
                {"narrative": _("Write the narrative in both languages before publishing.")}
            )
        locked.status = SectorReportStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = user
        locked.save()
        _record(locked, "publish", SectorReportStatus.DRAFT)
    return locked


def check_withdraw(user: Any, report: SectorReport) -> SectorReport:
    _require(user, "sectorreport.publish")
    with transaction.atomic():
        locked = SectorReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != SectorReportStatus.PUBLISHED:
            raise ValidationError({"status": _("Only a published report can be withdrawn.")})
        locked.status = SectorReportStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.save()
        _record(locked, "withdraw", SectorReportStatus.PUBLISHED)
    return locked


# --- Schedule --------------------------------------------------------------------------------------


def do_create_due_reports(now: datetime | None = None) -> list[SectorReport]:
    """The drafts of the periods that ended yesterday (CERT's calendar), each made once, and the
    leads told. Safe to run again the same day: an existing report is left alone."""
    now = now or timezone.now()
    today = periods.local_today(now)
    created = []
    for kind in scheduled_kinds():
        period = periods.just_ended(kind, today)
        if (
            period is None
            or SectorReport.objects.filter(period_kind=kind, period_start=period.start).exists()
        ):
            continue
        try:
            with transaction.atomic():
                report, is_new = do_generate(period, now=now)
                if is_new:
                    notify_draft_ready(report)
                    created.append(report)
        except ValidationError:
            continue  # made meanwhile by someone else
    return created
