"""URLs of the correlation app (namespace ``correlation``)."""

from django.urls import path

from siaga.correlation import views

app_name = "correlation"

urlpatterns = [
    path("", views.value, name="value"),
]
