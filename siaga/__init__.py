"""Siaga: the platform of a national health-sector CERT and its coordination group."""

from siaga.celery import app as celery_app

__all__ = ["celery_app"]
