"""The Celery application. Production uses Redis; the embedded default is a file-system broker."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")

app = Celery("siaga")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
