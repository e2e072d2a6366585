from django.urls import path

from siaga.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("export.jsonl", views.event_export, name="export"),
    path("statistics/", views.statistics, name="statistics"),
    path("<int:pk>/", views.event_detail, name="detail"),
]
