"""URLs of incident deadlines and of the incident list's tools (included by urls.py)."""

from django.urls import path

from siaga.incidents.views import deadlines, lists

urlpatterns: list = [
    path("clocks/", deadlines.clock_list, name="clocks"),
    path("clocks/<int:pk>/notice/", deadlines.clock_notice, name="clock-notice"),
    path("clocks/<int:pk>/sent/", deadlines.clock_sent, name="clock-sent"),
    path("clocks/<int:pk>/waive/", deadlines.clock_waive, name="clock-waive"),
    path("export/", lists.incident_export, name="export"),
    path("bulk/", lists.incident_bulk, name="bulk"),
    path("saved-filters/", lists.saved_filter_create, name="saved-filter-create"),
    path("saved-filters/<int:pk>/delete/", lists.saved_filter_delete, name="saved-filter-delete"),
]
