"""Pages of the indicator store."""

from django.urls import path

from siaga.intel import views

app_name = "intel"

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/new/", views.indicator_create, name="indicator-create"),
    path("indicators/bulk/", views.bulk_add, name="bulk-add"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator-detail"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator-delete"),
    path("indicators/<int:pk>/sightings/", views.sighting_create, name="sighting-create"),
]
