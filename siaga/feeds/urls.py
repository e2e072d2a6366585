"""Pages of the feeds app, mounted at /feeds/."""

from django.urls import path

from siaga.feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.feed_list, name="feed-list"),
    path("new/", views.feed_create, name="feed-create"),
    path("<int:pk>/edit/", views.feed_edit, name="feed-edit"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/upload/", views.report_upload, name="report-upload"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/reprocess/", views.report_reprocess, name="report-reprocess"),
    path(
        "reports/<int:pk>/quarantine/retry/",
        views.quarantine_retry_all,
        name="quarantine-retry-all",
    ),
    path(
        "reports/<int:pk>/quarantine/<int:row>/retry/",
        views.quarantine_retry,
        name="quarantine-retry",
    ),
]
