"""Models of the incidents app, one module per subject; import them from here."""

from siaga.incidents.choices import (
    ClockStatus,
    LinkKind,
    TaskStatus,
    TimelineSource,
    Visibility,
)
from siaga.incidents.models.casework import (
    Comment,
    IncidentLink,
    IncidentMerge,
    LegalClock,
    Observable,
    SlaAlert,
    Task,
    TimelineEvent,
)
from siaga.incidents.models.incidents import IMPACT_FIELDS, Incident, IncidentStatusChange
from siaga.incidents.models.reports import Report
from siaga.incidents.models.saved_filters import SavedFilter
from siaga.incidents.models.sequences import TrackingCounter

__all__ = [
    "IMPACT_FIELDS",
    "ClockStatus",
    "Comment",
    "Incident",
    "IncidentLink",
    "IncidentMerge",
    "IncidentStatusChange",
    "LegalClock",
    "LinkKind",
    "Observable",
    "Report",
    "SavedFilter",
    "SlaAlert",
    "Task",
    "TaskStatus",
    "TimelineEvent",
    "TimelineSource",
    "TrackingCounter",
    "Visibility",
]
