"""URLs of incident deadlines (included by urls.py)."""

from django.urls import path  # noqa: F401

from siaga.incidents.views import deadlines  # noqa: F401

urlpatterns: list = []
