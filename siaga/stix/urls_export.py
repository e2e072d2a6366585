"""Pages of the STIX export, in the ``stix`` namespace (included by ``siaga/stix/urls.py``)."""

from django.urls import path

from siaga.stix.views import exports

urlpatterns = [
    path("export/", exports.export_page, name="export"),
    path("export/incident/<int:pk>/", exports.incident_export, name="incident-export"),
]
