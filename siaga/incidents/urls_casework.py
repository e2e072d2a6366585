"""URLs of incident case work (included by urls.py, namespace ``incidents``)."""

from django.urls import path

from siaga.incidents.views import casework

urlpatterns = [
    path("<int:pk>/tasks/", casework.task_add, name="task-add"),
    path("tasks/<int:pk>/", casework.task_update, name="task-update"),
    path("<int:pk>/playbooks/", casework.playbook_apply, name="playbook-apply"),
    path("<int:pk>/observables/", casework.observable_add, name="observable-add"),
    path("<int:pk>/observables/paste/", casework.observable_paste, name="observable-paste"),
    path("observables/<int:pk>/delete/", casework.observable_delete, name="observable-delete"),
    path(
        "observables/<int:pk>/correlations/",
        casework.observable_correlations,
        name="observable-correlations",
    ),
    path("<int:pk>/timeline/", casework.timeline_add, name="timeline-add"),
    path("<int:pk>/comments/", casework.comment_add, name="comment-add"),
    path("<int:pk>/links/", casework.link_add, name="link-add"),
    path("links/<int:pk>/delete/", casework.link_delete, name="link-delete"),
    path("<int:pk>/merge/", casework.merge, name="merge"),
]
