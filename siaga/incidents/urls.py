from django.urls import path

from siaga.incidents import urls_casework, urls_deadlines, views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/transition/", views.incident_transition, name="transition"),
    path("<int:pk>/assign/", views.incident_assign, name="assign"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/triage/", views.report_triage, name="report-triage"),
    path("report/", views.public_report, name="public-report"),
    *urls_casework.urlpatterns,
    *urls_deadlines.urlpatterns,
]
