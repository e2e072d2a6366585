"""The TAXII 2.1 server (``/taxii2/``) and the pages that manage its collections.

One API root, ``/taxii2/siaga/``. Collection ids are UUIDs (an alias works too); object ids are STIX
ids (``type--uuid``).
"""

from django.urls import path

from siaga.taxii import endpoints, views

app_name = "taxii"

API_ROOT = "siaga/"

urlpatterns = [
    path("", endpoints.discovery, name="discovery"),
    path(API_ROOT, endpoints.api_root, name="api-root"),
    path(f"{API_ROOT}status/<uuid:status_id>/", endpoints.status, name="status"),
    path(f"{API_ROOT}collections/", endpoints.collections, name="collections"),
    path(f"{API_ROOT}collections/<str:collection_id>/", endpoints.collection, name="collection"),
    path(
        f"{API_ROOT}collections/<str:collection_id>/manifest/",
        endpoints.manifest,
        name="manifest",
    ),
    path(f"{API_ROOT}collections/<str:collection_id>/objects/", endpoints.objects, name="objects"),
    path(
        f"{API_ROOT}collections/<str:collection_id>/objects/<str:object_id>/",
        endpoints.object_detail,
        name="object",
    ),
    path(
        f"{API_ROOT}collections/<str:collection_id>/objects/<str:object_id>/versions/",
        endpoints.versions,
        name="versions",
    ),
    # The pages that manage collections.
    path("manage/collections/", views.collection_list, name="collection-list"),
    path("manage/collections/new/", views.collection_create, name="collection-create"),
    path("manage/collections/<int:pk>/edit/", views.collection_edit, name="collection-edit"),
]
