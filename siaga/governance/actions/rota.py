"""The on-call rota: shifts, who is on duty now, the gaps ahead."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.governance import oncall
from siaga.governance.actions.common import apply, require_all
from siaga.governance.models import OnCallShift

SHIFT_FIELDS = ("user", "starts_at", "ends_at", "level", "notes")
MAX_SHIFT = timedelta(days=14)


def gap_days() -> int:
    return int(getattr(settings, "SIAGA_ONCALL_GAP_DAYS", 14))


def visible_shifts(user: Any) -> QuerySet[OnCallShift]:
    return OnCallShift.objects.restrict(user, "view").select_related("user")


def access_shift(user: Any, pk: int, action: str = "view") -> OnCallShift:
    return get_object_or_404(OnCallShift.objects.restrict(user, action), pk=pk)


def shifts_between(queryset: QuerySet[OnCallShift], start: datetime, end: datetime) -> list[Any]:
    return list(queryset.filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at"))


def on_call_now(user: Any, now: datetime | None = None) -> list[tuple[int, list[OnCallShift]]]:
    now = now or timezone.now()
    shifts = shifts_between(visible_shifts(user), now, now + timedelta(microseconds=1))
    return oncall.escalation_chain(shifts, now)


def gaps_ahead(user: Any, now: datetime | None = None) -> list[oncall.Gap]:
    start = now or timezone.now()
    end = start + timedelta(days=gap_days())
    shifts = shifts_between(visible_shifts(user), start, end)
    return oncall.coverage_gaps(shifts, start, end, levels=oncall.LEVELS)


def check_save_shift(
    user: Any, data: dict[str, Any], shift: OnCallShift | None = None
) -> OnCallShift:
    require_all(user, "oncallshift.change")
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends:
        if ends <= starts:
            raise ValidationError({"ends_at": _("The shift must end after it starts.")})
        if ends - starts > MAX_SHIFT:
            raise ValidationError({"ends_at": _("A shift lasts at most 14 days.")})
    if not data.get("user") or not data["user"].is_active:
        raise ValidationError({"user": _("Choose an active user.")})
    row = shift or OnCallShift()
    apply(row, data, SHIFT_FIELDS)
    with transaction.atomic():
        row.save()
    return row
