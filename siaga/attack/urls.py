from django.urls import path

from siaga.attack import views

app_name = "attack"

urlpatterns = [
    path("techniques/", views.technique_list, name="technique-list"),
    path("techniques/suggest/", views.technique_suggest, name="technique-suggest"),
]
