from django.urls import path

from siaga.digests import views

app_name = "digests"

urlpatterns = [
    path("", views.digest_list, name="list"),
    path("<int:pk>/", views.digest_detail, name="detail"),
    path("<int:pk>/csv/", views.digest_csv, name="csv"),
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/new/", views.subscription_create, name="subscription-create"),
    path("subscriptions/<int:pk>/", views.subscription_edit, name="subscription-edit"),
]
