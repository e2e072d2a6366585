from django.urls import path

from siaga.evidence import views

app_name = "evidence"

urlpatterns = [
    path("incidents/<int:pk>/upload/", views.incident_upload, name="incident-upload"),
    path("reports/<int:pk>/upload/", views.report_upload, name="report-upload"),
    path("<int:pk>/", views.evidence_detail, name="detail"),
    path("<int:pk>/download/", views.evidence_download, name="download"),
    path("<int:pk>/verify/", views.evidence_verify, name="verify"),
]
