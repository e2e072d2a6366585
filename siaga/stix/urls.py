"""Pages of the stix app: imports, the object store, and (``urls_export``) exports."""

from django.urls import path

from siaga.stix.urls_export import urlpatterns as export_urlpatterns
from siaga.stix.views import imports, objects

app_name = "stix"

urlpatterns = [
    path("import/", imports.import_page, name="import"),
    path("objects/", objects.object_list, name="object-list"),
    path("objects/<int:pk>/", objects.object_detail, name="object-detail"),
    *export_urlpatterns,
]
