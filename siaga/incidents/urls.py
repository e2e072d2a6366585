from django.urls import path  # noqa: F401

from siaga.incidents import views  # noqa: F401

app_name = "incidents"

urlpatterns: list = []
