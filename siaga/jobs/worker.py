"""Worker heartbeats: each worker process writes a row every few seconds while it lives.

``GET /health/`` and the jobs page read these rows to tell whether any worker is running; this works
the same with the Redis broker and the embedded one (which cannot broadcast a ping).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)
_stop = threading.Event()


def beat_once(hostname: str) -> None:
    from siaga.jobs.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"pid": os.getpid(), "last_seen": timezone.now()}
    )


def _beat_forever(hostname: str) -> None:
    while not _stop.is_set():
        try:
            close_old_connections()
            beat_once(hostname)
        except Exception:  # a database blip must not kill the heartbeat thread
            logger.exception("worker heartbeat failed")
        _stop.wait(settings.SIAGA_WORKER_HEARTBEAT_SECONDS)
    connection.close()


@worker_ready.connect
def start_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    hostname = getattr(sender, "hostname", None) or f"worker@{os.getpid()}"
    _stop.clear()
    threading.Thread(
        target=_beat_forever, args=(hostname,), daemon=True, name="siaga-heartbeat"
    ).start()


@worker_shutdown.connect
def stop_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    from siaga.jobs.models import WorkerHeartbeat

    _stop.set()
    hostname = getattr(sender, "hostname", None)
    if hostname:
        try:
            WorkerHeartbeat.objects.filter(hostname=hostname).delete()
        except Exception:
            logger.exception("could not remove the heartbeat row of %s", hostname)


def live_workers() -> list[Any]:
    from siaga.jobs.models import WorkerHeartbeat

    cutoff = timezone.now() - timedelta(seconds=3 * settings.SIAGA_WORKER_HEARTBEAT_SECONDS)
    return list(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).order_by("hostname"))
