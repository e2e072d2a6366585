from django.urls import path, re_path

from siaga.vulns import views

app_name = "vulns"

urlpatterns = [
    path("", views.vulnerability_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("vendor-advisories/", views.advisory_list, name="advisories"),
    path("vendor-advisories/<int:pk>/", views.advisory_detail, name="advisory-detail"),
    path("vendor-advisories/<int:pk>/csaf/", views.advisory_csaf, name="advisory-csaf"),
    re_path(
        r"^(?P<cve_id>[Cc][Vv][Ee]-[0-9]{4}-[0-9]{4,19})/$",
        views.vulnerability_detail,
        name="detail",
    ),
]
