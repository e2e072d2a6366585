"""URLs of incident casework (included by urls.py)."""

from django.urls import path  # noqa: F401

from siaga.incidents.views import casework  # noqa: F401

urlpatterns: list = []
