"""Action-item reminders: due soon and overdue, once each, to the owner; closed items never."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from siaga.governance.choices import ActionStatus
from siaga.governance.reminders import do_send_action_reminders
from siaga.governance.tasks import send_action_item_reminders
from siaga.governance.tests.conftest import make_action

pytestmark = pytest.mark.django_db


def test_due_soon_then_overdue_once_each(
    personas, settings, send_inline, django_capture_on_commit_callbacks
):
    settings.SIAGA_GOVERNANCE_DUE_SOON_DAYS = 3
    today = timezone.localdate()
    item = make_action(
        personas.cert_lead, personas.coord_member, due_date=today + timedelta(days=2)
    )
    make_action(
        personas.cert_lead, personas.coord_member, due_date=today + timedelta(days=9), title="Later"
    )
    make_action(
        personas.cert_lead,
        personas.coord_member,
        due_date=today - timedelta(days=1),
        status=ActionStatus.DONE,
        title="Done",
    )
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_action_reminders(now) == {"due_soon": 1, "overdue": 0}
    assert do_send_action_reminders(now) == {"due_soon": 0, "overdue": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_action_reminders(now + timedelta(days=3)) == {"due_soon": 0, "overdue": 1}
    assert do_send_action_reminders(now + timedelta(days=4)) == {"due_soon": 0, "overdue": 0}
    assert [m.to for m in mail.outbox] == [[personas.coord_member.email]] * 2
    # In the owner's language (the personas read Indonesian, the default).
    assert personas.coord_member.language == "id"
    assert "segera jatuh tempo" in mail.outbox[0].subject and item.title in mail.outbox[0].subject
    assert "melewati tenggat" in mail.outbox[1].subject
    assert f"/governance/actions/{item.pk}/" in mail.outbox[1].body


def test_the_beat_task_runs_the_same(personas):
    make_action(
        personas.cert_lead, personas.coord_member, due_date=timezone.localdate() - timedelta(days=5)
    )
    assert send_action_item_reminders() == {"due_soon": 0, "overdue": 1}
