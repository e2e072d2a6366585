from django.urls import path

from siaga.constituents import views

app_name = "constituents"

urlpatterns = [
    path("", views.constituent_list, name="list"),
    path("<int:pk>/", views.constituent_detail, name="detail"),
    path("<int:pk>/profile/", views.profile_edit, name="profile-edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("<int:pk>/assets/new/", views.asset_create, name="asset-create"),
    path("assets/<int:pk>/remove/", views.asset_remove, name="asset-remove"),
    path("assets/review/", views.asset_review_queue, name="asset-review-queue"),
    path("assets/<int:pk>/review/", views.asset_review, name="asset-review"),
    path("<int:pk>/inventory/", views.inventory_list, name="inventory"),
    path("<int:pk>/inventory/new/", views.inventory_create, name="inventory-create"),
    path("inventory/<int:pk>/edit/", views.inventory_edit, name="inventory-edit"),
    path("inventory/<int:pk>/delete/", views.inventory_delete, name="inventory-delete"),
    path("<int:pk>/inventory/import/", views.inventory_import, name="inventory-import"),
    path("<int:pk>/inventory/export/", views.inventory_export, name="inventory-export"),
    path("lookup/", views.lookup, name="lookup"),
]
