"""Reminding risk owners that a review is due.

The daily beat task (``tasks.send_review_reminders``) e-mails the owner of each risk that is not
closed and whose next review date has come, once per due date: ``Risk.review_reminded_for`` keeps
the date the owner was reminded of, so a second run on the same day (or the next days, while the
review is still outstanding) sends nothing, and recording a review (a new date) arms the next one.
Each risk is handled in its own transaction with its row locked, so overlapping runs are safe.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from siaga.core.reminders import remind_each_once
from siaga.notifications.actions import do_notify
from siaga.notifications.events import register_event
from siaga.risks.choices import ACTIVE_STATUSES
from siaga.risks.models import Risk

OBJECT_TYPE = "risks.risk"
REVIEW_DUE = "risk_review_due"


def register_notifications() -> None:
    """The risk register's notification kinds (idempotent: registering again replaces)."""
    register_event(
        REVIEW_DUE,
        gettext_lazy("Risk review due"),
        f"risks/email/{REVIEW_DUE}_subject.txt",
        f"risks/email/{REVIEW_DUE}.txt",
    )


# Registered on import as well as from the app's ready(): the tasks import this module.
register_notifications()


def due_reviews(today: date) -> QuerySet[Risk]:
    """Risks not closed, with an owner, due for review by ``today`` and not yet reminded of it."""
    return Risk.objects.filter(
        status__in=list(ACTIVE_STATUSES),
        owner__isnull=False,
        owner__is_active=True,
        next_review_date__lte=today,
    ).filter(Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("next_review_date")))


def _url(risk: Risk) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse("risks:detail", args=[risk.pk])
    except NoReverseMatch:
        return ""


def _context(risk: Risk, today: date) -> dict[str, Any]:
    return {
        "reference": f"RISK-{risk.pk}",
        "title": risk.title,
        "organization": risk.organization.name if risk.organization else "",
        "review_date": risk.next_review_date,
        "overdue_days": (today - risk.next_review_date).days if risk.next_review_date else 0,
        "url": _url(risk),
    }


def do_send_review_reminders(today: date | None = None) -> dict[str, int]:
    """Remind each due risk's owner once (row locked and checked again)."""
    today = today or timezone.localdate()

    def remind(risk: Risk) -> bool:
        if risk.owner is None:
            return False
        risk.review_reminded_for = risk.next_review_date
        risk.save(update_fields=["review_reminded_for", "updated_at"])
        do_notify(
            REVIEW_DUE,
            recipients=[risk.owner],
            context=_context(risk, today),
            object_type=OBJECT_TYPE,
            object_id=str(risk.pk),
            organization=risk.organization,
        )
        return True

    related = ("owner", "organization")
    return {"reminded": remind_each_once(due_reviews(today), remind, related=related)}
