"""Public advisories (TLP:CLEAR, no sign-in), their feeds, the CSAF provider directory, and the
signed-in downloads (CSAF, PDF) of any advisory the user may read. Included at the site root."""

from django.urls import path, re_path

from siaga.advisories import views_public as views

app_name = "public_advisories"

urlpatterns = [
    path("public/advisories/", views.advisory_list, name="list"),
    re_path(
        r"^public/advisories/feed/(?P<language>id|en)/(?P<kind>rss|atom)\.xml$",
        views.feed,
        name="feed",
    ),
    path("public/advisories/<str:tracking_id>/", views.advisory_detail, name="detail"),
    re_path(
        r"^public/advisories/(?P<tracking_id>[^/]+)/csaf-(?P<language>id|en)\.json$",
        views.advisory_csaf,
        name="csaf",
    ),
    path(
        ".well-known/csaf/provider-metadata.json",
        views.provider_metadata,
        name="csaf-provider-metadata",
    ),
    path(".well-known/csaf/white/", views.csaf_directory, name="csaf-directory"),
    path(".well-known/csaf/white/index.txt", views.csaf_index, name="csaf-index"),
    path(".well-known/csaf/white/changes.csv", views.csaf_changes, name="csaf-changes"),
    re_path(
        r"^\.well-known/csaf/white/(?P<year>[0-9]{4})/(?P<filename>[+\-a-z0-9_]+\.json)"
        r"(?P<suffix>|\.sha256|\.sha512)$",
        views.csaf_file,
        name="csaf-file",
    ),
    re_path(
        r"^advisories-export/(?P<pk>[0-9]{1,18})/csaf-(?P<language>id|en)\.json$",
        views.export_csaf,
        name="export-csaf",
    ),
    re_path(r"^advisories-export/(?P<pk>[0-9]{1,18})/pdf/$", views.export_pdf, name="export-pdf"),
]
