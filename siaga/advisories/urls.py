from django.urls import path

from siaga.advisories import views

app_name = "advisories"

urlpatterns = [
    path("", views.advisory_list, name="list"),
    path("new/", views.advisory_create, name="create"),
    path("from-vendor/<int:pk>/", views.draft_from_vendor_advisory, name="from-vendor"),
    path("<int:pk>/", views.advisory_detail, name="detail"),
    path("<int:pk>/edit/", views.advisory_edit, name="edit"),
    path("<int:pk>/submit/", views.advisory_submit, name="submit"),
    path("<int:pk>/approve/", views.advisory_approve, name="approve"),
    path("<int:pk>/return/", views.advisory_return, name="return"),
    path("<int:pk>/withdraw/", views.advisory_withdraw, name="withdraw"),
    path("<int:pk>/recipients/", views.advisory_recipients, name="recipients"),
    path("<int:pk>/answer/", views.advisory_answer, name="answer"),
]
