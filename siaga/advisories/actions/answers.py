"""Constituents' answers to the advisories they received, and reminders until they answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.advisories import distribution
from siaga.advisories.actions.common import received_by
from siaga.advisories.actions.inputs import _text
from siaga.advisories.choices import AdvisoryStatus, Answer
from siaga.advisories.models import (
    Advisory,
    AdvisoryRecipient,
)
from siaga.core.reminders import remind_each_once
from siaga.notifications.actions import do_notify

# --- Answers -------------------------------------------------------------------------------------


def answer_counts(advisory: Advisory) -> dict[str, int]:
    counts = dict.fromkeys(Answer.values, 0)
    counts["unanswered"] = 0
    for answer in advisory.recipients.values_list("answer", flat=True):
        counts[answer or "unanswered"] += 1
    return counts


def check_answer(
    user: Any, recipient: AdvisoryRecipient, answer: str, comment: str = ""
) -> AdvisoryRecipient:
    """A constituent's answer to an advisory it received (``advisoryrecipient.change``); "need
    help" alerts the advisory's author and the CERT's duty staff."""
    allowed = AdvisoryRecipient.objects.restrict(user, "change").filter(pk=recipient.pk)
    if not allowed.exists():
        raise PermissionDenied(_("You may not answer for this constituent."))
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Choose an answer.")})
    comment = _text(comment)[:5000]
    if answer == Answer.NEED_HELP and not comment:
        raise ValidationError({"comment": _("Say what help you need.")})
    with transaction.atomic():
        locked = (
            AdvisoryRecipient.objects.select_for_update()
            .select_related("advisory", "organization")
            .get(pk=recipient.pk)
        )
        if locked.advisory.status == AdvisoryStatus.WITHDRAWN:
            raise ValidationError({"answer": _("This advisory was withdrawn: no answer needed.")})
        locked.answer = answer
        locked.answer_comment = comment
        locked.answered_by = user
        locked.answered_at = timezone.now()
        locked.save()
        if answer == Answer.NEED_HELP:
            _alert_need_help(locked, user)
    return locked


def _alert_need_help(recipient: AdvisoryRecipient, user: Any) -> None:
    from siaga.incidents.actions.reports import duty_staff

    advisory = recipient.advisory
    people = list(duty_staff())
    if advisory.created_by is not None:
        people.insert(0, advisory.created_by)
    do_notify(
        distribution.NEED_HELP,
        recipients=people,
        context={
            "reference": advisory.tracking_id,
            "title": advisory.title_en or advisory.title_id,
            "url": distribution._absolute("advisories:recipients", advisory.pk),
            "actor": getattr(user, "full_name", "") or getattr(user, "email", ""),
            "organization": recipient.organization.name,
            "comment": recipient.answer_comment,
        },
        object_type=distribution.OBJECT_TYPE,
        object_id=str(advisory.pk),
        organization=recipient.organization,
    )


def recipient_for_answer(
    user: Any, advisory: Advisory, organization_id: int | None = None
) -> AdvisoryRecipient:
    """The row the user answers: their organization's (``organization_id`` when they hold the
    right in several)."""
    rows = received_by(user, advisory, "change")
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    found = list(rows[:2])
    if not found:
        if received_by(user, advisory).exists():
            raise PermissionDenied(_("You may not answer for this constituent."))
        raise ValidationError({"answer": _("This advisory was not sent to your organization.")})
    if len(found) > 1:
        raise ValidationError({"organization": _("Say which organization you answer for.")})
    return found[0]


# --- Reminders -----------------------------------------------------------------------------------


def due_reminders(now: datetime) -> QuerySet[AdvisoryRecipient]:
    """Recipients that have not answered a live advisory for ``SIAGA_ADVISORY_REMINDER_DAYS``
    since they were last told or reminded, reminded fewer than ``SIAGA_ADVISORY_MAX_REMINDERS``."""
    since = now - timedelta(days=settings.SIAGA_ADVISORY_REMINDER_DAYS)
    return (
        AdvisoryRecipient.objects.filter(
            answer="",
            advisory__version__gt=0,
            reminders_sent__lt=settings.SIAGA_ADVISORY_MAX_REMINDERS,
            organization__is_active=True,
        )
        .exclude(advisory__status=AdvisoryStatus.WITHDRAWN)
        .filter(
            Q(last_reminded_at__lte=since)
            | Q(last_reminded_at__isnull=True, notified_at__lte=since)
        )
        .order_by("pk")
    )


def do_send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Remind each due recipient once (row locked and checked again: overlapping runs are safe)."""
    now = now or timezone.now()

    def remind(row: AdvisoryRecipient) -> None:
        row.reminders_sent += 1
        row.last_reminded_at = now
        row.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
        distribution.notify_recipient(
            row.advisory,
            row,
            distribution.REMINDER,
            reminder=row.reminders_sent,
            reminders_max=settings.SIAGA_ADVISORY_MAX_REMINDERS,
        )

    sent = remind_each_once(due_reminders(now), remind, related=("advisory", "organization"))
    return {"reminded": sent}
