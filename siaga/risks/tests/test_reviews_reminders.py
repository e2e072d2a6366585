"""Reviews move the next review date on by the cycle; the daily beat task reminds the owner once
per due date, never for closed risks or risks without an owner; the list marks overdue reviews."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from siaga.core.testing import login
from siaga.risks import actions
from siaga.risks.models import Risk
from siaga.risks.reminders import do_send_review_reminders
from siaga.risks.tasks import send_review_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(make_risk, personas):
    return make_risk(owner=personas.coord_member.pk, review_cycle_days=30)


def test_a_new_risk_is_due_one_cycle_later(owned):
    assert owned.next_review_date == timezone.localdate() + timedelta(days=30)


def test_a_review_moves_the_next_date(personas, owned):
    Risk.objects.filter(pk=owned.pk).update(
        next_review_date=timezone.localdate() - timedelta(days=3)
    )
    review = actions.check_review_risk(personas.cert_lead, owned, notes="Checked the controls")
    owned.refresh_from_db()
    assert owned.next_review_date == timezone.localdate() + timedelta(days=30)
    assert review.next_review_date == owned.next_review_date
    assert (review.reviewer, review.notes) == (personas.cert_lead, "Checked the controls")
    assert owned.last_reviewed_at is not None and not owned.review_overdue
    chosen = timezone.localdate() + timedelta(days=7)
    actions.check_review_risk(personas.cert_lead, owned, next_review_date=chosen)
    owned.refresh_from_db()
    assert owned.next_review_date == chosen


def test_a_review_date_in_the_past_or_a_closed_risk_is_refused(personas, owned):
    with pytest.raises(ValidationError) as refused:
        actions.check_review_risk(personas.cert_lead, owned, next_review_date=timezone.localdate())
    assert "next_review_date" in refused.value.message_dict
    actions.check_change_risk(personas.cert_lead, owned, {"status": "closed"})
    with pytest.raises(ValidationError):
        actions.check_review_risk(personas.cert_lead, owned)
    assert not owned.reviews.exists()


def test_the_owner_is_reminded_once_per_due_date(
    personas, owned, send_inline, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    assert do_send_review_reminders(today) == {"reminded": 0}  # not due yet
    due = owned.next_review_date
    for day, expected in ((due, 1), (due, 0), (due + timedelta(days=1), 0)):
        with django_capture_on_commit_callbacks(execute=True):
            assert do_send_review_reminders(day) == {"reminded": expected}, day
    assert [m.to[0] for m in mail.outbox] == [personas.coord_member.email]
    # In the owner's language (the personas read Indonesian, the default).
    assert personas.coord_member.language == "id"
    assert "tinjauan risiko" in mail.outbox[0].subject.lower()
    assert owned.title in mail.outbox[0].body
    # A review moves the date on: the next due date gets its own reminder.
    actions.check_review_risk(personas.cert_lead, owned)
    owned.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_review_reminders(owned.next_review_date) == {"reminded": 1}
    assert len(mail.outbox) == 2


def test_no_reminder_without_an_owner_or_for_a_closed_risk(personas, make_risk):
    make_risk(title="Nobody's")
    closed = make_risk(title="Closed", owner=personas.coord_member.pk)
    actions.check_change_risk(personas.cert_lead, closed, {"status": "closed"})
    later = timezone.localdate() + timedelta(days=365)
    assert do_send_review_reminders(later) == {"reminded": 0}


def test_the_beat_task(owned):
    Risk.objects.filter(pk=owned.pk).update(next_review_date=timezone.localdate())
    assert send_review_reminders.apply().get() == {"reminded": 1}
    assert send_review_reminders.apply().get() == {"reminded": 0}


def test_the_list_marks_and_filters_overdue_reviews(client, personas, make_risk, owned):
    late = make_risk(title="Late review")
    Risk.objects.filter(pk=late.pk).update(
        next_review_date=timezone.localdate() - timedelta(days=1)
    )
    login(client, personas.cert_analyst)
    page = client.get("/risks/").content.decode()
    assert page.count("review overdue") == 1
    overdue = client.get("/risks/?overdue=yes").content.decode()
    assert "Late review" in overdue and owned.title not in overdue
    on_time = client.get("/risks/?overdue=no").content.decode()
    assert "Late review" not in on_time and owned.title in on_time
