"""The Celery application. Production uses Redis; the embedded default is a file-system broker."""

from __future__ import annotations

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# The embedded broker (see siaga.jobs.broker): kombu's file-system transport with atomic writes.
TRANSPORT_ALIASES["siagafs"] = "siaga.jobs.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")

app = Celery("siaga")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
