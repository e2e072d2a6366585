from django.urls import path

from siaga.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.sector_dashboard, name="sector"),
    path("mine/", views.my_dashboard, name="mine"),
]
