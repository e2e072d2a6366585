from django.urls import path

from siaga.integrations.misp import views

app_name = "misp"

urlpatterns = [
    path("import/", views.import_misp, name="import"),
    path("feeds/", views.feed_list, name="feed-list"),
    path("feeds/new/", views.feed_create, name="feed-create"),
    path("feeds/<int:pk>/revoke/", views.feed_revoke, name="feed-revoke"),
    # Reached by a MISP instance with the token in the address (no session): see views.
    path("feeds/<str:token>/manifest.json", views.feed_manifest, name="feed-manifest"),
    path("feeds/<str:token>/hashes.csv", views.feed_hashes, name="feed-hashes"),
    path("feeds/<str:token>/<uuid:event_uuid>.json", views.feed_event, name="feed-event"),
]
