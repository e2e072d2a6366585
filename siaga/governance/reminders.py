"""Reminders about action items: "due soon" and "overdue", each sent once per item.

``do_send_action_reminders`` runs from the daily beat task. An open or in-progress item whose due
date is within ``SIAGA_GOVERNANCE_DUE_SOON_DAYS`` days (today included) gets "due soon" once; one
whose due date has passed gets "overdue" once. Each item is locked and checked again before it is
marked, so overlapping runs cannot send twice; the e-mail goes through the notifications app, which
sends it after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from siaga.core.reminders import remind_each_once
from siaga.governance.choices import OPEN_ACTION_STATUSES
from siaga.governance.models import ActionItem
from siaga.notifications.actions import do_notify
from siaga.notifications.events import register_event

OBJECT_TYPE = "governance.actionitem"
DUE_SOON = "actionitem_due_soon"
OVERDUE = "actionitem_overdue"
EVENTS = {
    DUE_SOON: gettext_lazy("Action item due soon"),
    OVERDUE: gettext_lazy("Action item overdue"),
}


def register_notifications() -> None:
    """The action items' notification kinds (idempotent)."""
    for kind, label in EVENTS.items():
        register_event(
            kind, label, f"governance/email/{kind}_subject.txt", f"governance/email/{kind}.txt"
        )


register_notifications()


def due_soon_days() -> int:
    return int(getattr(settings, "SIAGA_GOVERNANCE_DUE_SOON_DAYS", 3))


def _open() -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(status__in=OPEN_ACTION_STATUSES, owner__is_active=True)


def due_soon(today: date) -> QuerySet[ActionItem]:
    last_day = today + timedelta(days=due_soon_days())
    return _open().filter(
        due_date__gte=today, due_date__lte=last_day, due_soon_reminded_at__isnull=True
    )


def overdue(today: date) -> QuerySet[ActionItem]:
    return _open().filter(due_date__lt=today, overdue_reminded_at__isnull=True)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _reminder(kind: str, field: str, now: datetime) -> Callable[[ActionItem], None]:
    """Marks an item reminded (``field``) and tells its owner."""

    def remind(item: ActionItem) -> None:
        setattr(item, field, now)
        item.save(update_fields=[field, "updated_at"])
        do_notify(
            kind,
            recipients=[item.owner],
            context={
                "title": item.title,
                "due_date": item.due_date,
                "url": _absolute(reverse("governance:action-detail", args=[item.pk])),
            },
            object_type=OBJECT_TYPE,
            object_id=str(item.pk),
        )

    return remind


def do_send_action_reminders(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"due_soon": 0, "overdue": 0}
    for name, kind, chosen, field in (
        ("overdue", OVERDUE, overdue(today), "overdue_reminded_at"),
        ("due_soon", DUE_SOON, due_soon(today), "due_soon_reminded_at"),
    ):
        sent[name] += remind_each_once(chosen, _reminder(kind, field, now), related=("owner",))
    return sent
