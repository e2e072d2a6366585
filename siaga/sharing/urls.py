from django.urls import path

from siaga.sharing import views

app_name = "sharing"

urlpatterns = [
    path("groups/", views.group_list, name="group-list"),
    path("groups/new/", views.group_create, name="group-create"),
    path("groups/<int:pk>/", views.group_detail, name="group-detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
    path("groups/<int:pk>/deactivate/", views.group_deactivate, name="group-deactivate"),
    path("groups/<int:pk>/members/add/", views.member_add, name="member-add"),
    path("groups/<int:pk>/members/<int:org_id>/remove/", views.member_remove, name="member-remove"),
]
