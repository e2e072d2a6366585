"""Reminders to recipients that have not answered: every SIAGA_ADVISORY_REMINDER_DAYS, at most
SIAGA_ADVISORY_MAX_REMINDERS times, never after an answer or a withdrawal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from siaga.advisories import actions
from siaga.advisories.tasks import send_advisory_reminders
from siaga.advisories.tests.conftest import advisory_data, make_contact, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(personas, settings):
    settings.SIAGA_ADVISORY_REMINDER_DAYS = 3
    settings.SIAGA_ADVISORY_MAX_REMINDERS = 2
    make_contact(personas.orgs.hospital, "en", email="ciso@hospital.test")
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[personas.orgs.hospital.pk]),
    )
    return publish(personas, advisory)


def test_reminders_stop_after_the_maximum(
    personas, received, send_inline, django_capture_on_commit_callbacks
):
    row = received.recipients.get()
    start = row.notified_at
    assert actions.do_send_reminders(start + timedelta(days=2)) == {"reminded": 0}
    for day, expected in ((3, 1), (4, 0), (6, 1), (9, 0), (30, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            result = actions.do_send_reminders(start + timedelta(days=day, minutes=1))
        assert result == {"reminded": expected}, day
    row.refresh_from_db()
    assert row.reminders_sent == 2
    assert [m.to[0] for m in mail.outbox] == ["ciso@hospital.test"] * 2
    assert "reminder 2 of 2" in mail.outbox[-1].body


def test_an_answer_stops_reminders(personas, received):
    row = actions.recipient_for_answer(personas.constituent_admin, received)
    actions.check_answer(personas.constituent_admin, row, "not_affected")
    assert actions.do_send_reminders(timezone.now() + timedelta(days=10)) == {"reminded": 0}


def test_a_withdrawal_stops_reminders(personas, received):
    actions.check_withdraw(personas.cert_lead, received, "Wrong product")
    assert actions.do_send_reminders(timezone.now() + timedelta(days=10)) == {"reminded": 0}


def test_the_beat_task(personas, received):
    row = received.recipients.get()
    type(row).objects.filter(pk=row.pk).update(notified_at=timezone.now() - timedelta(days=4))
    assert send_advisory_reminders.apply().get() == {"reminded": 1}
