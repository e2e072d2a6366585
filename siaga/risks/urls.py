from django.urls import path

from siaga.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.risk_list, name="list"),
    path("export.csv", views.risk_export, name="export"),
    path("heat-map/", views.heat_map_page, name="heat-map"),
    path("new/", views.risk_create, name="create"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/review/", views.risk_review, name="review"),
]
