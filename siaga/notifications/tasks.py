"""Celery tasks that send notifications.

``send_delivery_task`` sends one delivery as soon as the transaction that wrote it commits.
``deliver_due_notifications`` (beat, every 30 s) first gives back deliveries left "sending" by a
worker that died, then sends what is due (retries, and deliveries whose message was lost), at most
``BEAT_BATCH`` per run and for at most ``BEAT_SECONDS``, in this process: the rows are small (one
at a time in memory) and the next run picks up the rest. Two overlapping runs are safe: each
delivery is claimed with a conditional UPDATE before it is sent.
"""

from __future__ import annotations

import time

from celery import shared_task

from siaga.notifications import actions

BEAT_BATCH = 200
BEAT_SECONDS = 25.0


@shared_task(name="siaga.notifications.tasks.send_delivery", acks_late=True)
def send_delivery_task(delivery_id: int) -> None:
    actions.send_delivery(delivery_id)


@shared_task(name="siaga.notifications.tasks.deliver_due_notifications")
def deliver_due_notifications() -> dict[str, int]:
    released = actions.release_stalled_deliveries()
    deadline = time.monotonic() + BEAT_SECONDS
    sent = 0
    for delivery_id in actions.due_delivery_ids(BEAT_BATCH):
        if time.monotonic() > deadline:
            break
        if actions.send_delivery(delivery_id) is not None:
            sent += 1
    return {"released": released, "attempted": sent}
