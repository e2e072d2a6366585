from django.urls import path  # noqa: F401

from siaga.notifications import views  # noqa: F401

app_name = "notifications"

urlpatterns: list = []
