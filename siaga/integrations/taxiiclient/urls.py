from django.urls import path

from siaga.integrations.taxiiclient import views

app_name = "taxiiclient"

urlpatterns = [
    path("", views.remote_list, name="remote-list"),
    path("new/", views.remote_create, name="remote-create"),
    path("<int:pk>/edit/", views.remote_edit, name="remote-edit"),
    path("<int:pk>/delete/", views.remote_delete, name="remote-delete"),
    path("<int:pk>/sync/", views.remote_sync, name="remote-sync"),
]
