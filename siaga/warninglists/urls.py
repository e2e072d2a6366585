from django.urls import path

from siaga.warninglists import views

app_name = "warninglists"

urlpatterns = [
    path("", views.warninglist_list, name="list"),
    path("<int:pk>/", views.warninglist_detail, name="detail"),
    path("<int:pk>/toggle/", views.warninglist_toggle, name="toggle"),
    path("upload/", views.warninglist_upload, name="upload"),
    path("check/", views.warninglist_check, name="check"),
]
