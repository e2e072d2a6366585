from django.urls import path

from siaga.governance.views import exercises, meetings, members, rota

app_name = "governance"

urlpatterns = [
    path("", members.group, name="group"),
    path("directory/", members.directory, name="directory"),
    path("representatives/add/", members.representative_add, name="representative-add"),
    path("representatives/<int:pk>/edit/", members.representative_edit, name="representative-edit"),
    path("terms/", members.terms, name="terms"),
    path("terms/new/", members.terms_draft, name="terms-draft"),
    path("terms/<int:pk>/", members.terms_version, name="terms-version"),
    path("terms/<int:pk>/edit/", members.terms_edit, name="terms-edit"),
    path("terms/<int:pk>/submit/", members.terms_submit, name="terms-submit"),
    path("terms/<int:pk>/approve/", members.terms_approve, name="terms-approve"),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/add/", meetings.meeting_add, name="meeting-add"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/attendance/", meetings.meeting_attendance, name="meeting-attendance"),
    path("meetings/<int:pk>/decisions/", meetings.decision_add, name="decision-add"),
    path("actions/", meetings.action_list, name="actions"),
    path("actions/add/", meetings.action_add, name="action-add"),
    path("actions/<int:pk>/", meetings.action_detail, name="action-detail"),
    path("actions/<int:pk>/edit/", meetings.action_edit, name="action-edit"),
    path("actions/<int:pk>/status/", meetings.action_status, name="action-status"),
    path("on-call/", rota.oncall, name="oncall"),
    path("on-call/add/", rota.shift_add, name="shift-add"),
    path("on-call/<int:pk>/edit/", rota.shift_edit, name="shift-edit"),
    path("exercises/", exercises.exercise_list, name="exercises"),
    path("exercises/add/", exercises.exercise_add, name="exercise-add"),
    path("exercises/<int:pk>/", exercises.exercise_detail, name="exercise-detail"),
    path("exercises/<int:pk>/edit/", exercises.exercise_edit, name="exercise-edit"),
    path("exercises/<int:pk>/findings/", exercises.finding_add, name="finding-add"),
]
