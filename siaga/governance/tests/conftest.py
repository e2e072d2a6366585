"""Builders of the governance tests: representatives, a submitted terms-of-reference version, a
meeting with a decision, an action item owned by a given user, shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from siaga.governance import actions
from siaga.governance.choices import ActionStatus, MeetingKind, RepresentativeRole
from siaga.governance.models import ActionItem, Meeting, OnCallShift, Representative
from siaga.notifications.tests.conftest import receiver, send_inline  # noqa: F401  # fixtures

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta


def make_rep(organization: Any, name: str = "Joko Susilo", **extra: Any) -> Representative:
    return Representative.objects.create(
        organization=organization,
        name=name,
        email=extra.pop("email", "joko@agency.test"),
        role=extra.pop("role", RepresentativeRole.PRINCIPAL),
        active_from=extra.pop("active_from", date(2026, 1, 1)),
        **extra,
    )


def tor_data(**extra: Any) -> dict[str, Any]:
    return {
        "body_id": "Teks kerangka acuan.",
        "body_en": "Terms of reference text.",
        "change_summary_id": "",
        "change_summary_en": "",
        **extra,
    }


def submitted_version(lead: Any, **extra: Any) -> Any:
    version = actions.check_create_draft(lead, tor_data(**extra))
    return actions.check_submit(lead, version)


def make_meeting(lead: Any, **extra: Any) -> Meeting:
    data = {
        "title": "Quarterly meeting",
        "kind": MeetingKind.REGULAR,
        "starts_at": extra.pop("starts_at", timezone.now()),
        "ends_at": None,
        "place": "Jakarta",
        "link": "",
        "minutes_id": "",
        "minutes_en": "",
        "agenda": ["Threats", "Exercise"],
        **extra,
    }
    return actions.check_save_meeting(lead, data)


def make_action(lead: Any, owner: Any, **extra: Any) -> ActionItem:
    data = {
        "title": extra.pop("title", "Circulate the contact list"),
        "description": "",
        "owner": owner,
        "organization": None,
        "due_date": extra.pop("due_date", timezone.localdate() + timedelta(days=10)),
        "status": extra.pop("status", ActionStatus.OPEN),
        "meeting": None,
        "decision": None,
        "exercise": None,
        **extra,
    }
    return actions.check_save_action(lead, data)


def make_shift(user: Any, starts_at: datetime, hours: float = 12, level: int = 1) -> OnCallShift:
    return OnCallShift.objects.create(
        user=user, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), level=level
    )
