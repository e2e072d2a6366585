from django.urls import path

from siaga.exposures import views

app_name = "exposures"

urlpatterns = [
    path("", views.finding_list, name="list"),
    path("<int:pk>/", views.finding_detail, name="detail"),
    path("match/", views.start_match, name="match"),
]
