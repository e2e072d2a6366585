from django.urls import path  # noqa: F401

from siaga.constituents import views  # noqa: F401

app_name = "constituents"

urlpatterns: list = []
