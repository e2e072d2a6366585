"""A delivery is claimed by one worker only, and one left by a dead worker is sent again."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from siaga.notifications.actions import SENDING_TIMEOUT, claim_delivery, do_notify, send_delivery
from siaga.notifications.choices import DeliveryStatus
from siaga.notifications.models import Delivery
from siaga.notifications.tasks import deliver_due_notifications
from siaga.notifications.tests.conftest import make_webhook


def race(function, delivery_id, workers=2):
    """Run ``function(delivery_id)`` in several threads at once; their results."""
    barrier = threading.Barrier(workers)
    results = [None] * workers

    def run(index):
        try:
            barrier.wait()
            results[index] = function(delivery_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_claims_race_and_one_wins(personas, receiver):
    make_webhook(personas.orgs.hospital, receiver.url())
    from siaga.notifications.actions import do_notify_webhooks

    (delivery,) = do_notify_webhooks("incident_assigned", personas.orgs.hospital, {"n": 1})
    results = race(claim_delivery, delivery.pk)
    assert sum(result is not None for result in results) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING
    assert delivery.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_delivery_post_it_once(personas, receiver):
    make_webhook(personas.orgs.hospital, receiver.url())
    from siaga.notifications.actions import do_notify_webhooks

    (delivery,) = do_notify_webhooks("incident_assigned", personas.orgs.hospital, {"n": 1})
    results = race(send_delivery, delivery.pk, workers=3)
    assert sum(result is not None for result in results) == 1
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def leave_sending(delivery: Delivery, ago: timedelta) -> None:
    """As a worker that claimed the delivery ``ago`` and then died would leave it."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=timezone.now() - ago
    )


@pytest.mark.django_db
def test_the_beat_task_sends_again_what_a_dead_worker_left(personas):
    (delivery,) = do_notify(
        "sla_breach", recipients=[personas.cert_lead], context={"reference": "X-1"}
    )
    leave_sending(delivery, SENDING_TIMEOUT + timedelta(seconds=1))
    result = deliver_due_notifications()
    assert result == {"released": 1, "attempted": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert [message.to for message in mail.outbox] == [["lead@cert.test"]]


@pytest.mark.django_db
def test_a_delivery_being_sent_right_now_is_left_alone(personas):
    (delivery,) = do_notify(
        "sla_breach", recipients=[personas.cert_lead], context={"reference": "X-1"}
    )
    leave_sending(delivery, timedelta(seconds=5))
    assert deliver_due_notifications() == {"released": 0, "attempted": 0}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_late_outcome_of_a_released_claim_does_not_overwrite_the_newer_one(personas):
    from siaga.notifications.actions import record_outcome
    from siaga.notifications.transport import Outcome

    (delivery,) = do_notify(
        "sla_breach", recipients=[personas.cert_lead], context={"reference": "X-1"}
    )
    old_claim = claim_delivery(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - SENDING_TIMEOUT * 2)
    deliver_due_notifications()  # released and sent: attempt 2
    record_outcome(old_claim, Outcome(ok=False, error="late"))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.last_error == ""


@pytest.mark.django_db
def test_a_mailer_failure_is_a_failed_attempt(personas, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    (delivery,) = do_notify(
        "sla_breach", recipients=[personas.cert_lead], context={"reference": "X-1"}
    )
    result = send_delivery(delivery.pk)
    assert result.status == DeliveryStatus.FAILED
    assert result.last_error
    assert result.next_attempt_at > timezone.now()
