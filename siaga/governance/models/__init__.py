"""The coordination group's records (see each module)."""

from siaga.governance.models.exercises import Exercise, Finding
from siaga.governance.models.meetings import ActionItem, AgendaItem, Attendance, Decision, Meeting
from siaga.governance.models.members import (
    Representative,
    TermsOfReference,
    TermsOfReferenceApproval,
    TermsOfReferenceVersion,
)
from siaga.governance.models.rota import OnCallShift

__all__ = [
    "ActionItem",
    "AgendaItem",
    "Attendance",
    "Decision",
    "Exercise",
    "Finding",
    "Meeting",
    "OnCallShift",
    "Representative",
    "TermsOfReference",
    "TermsOfReferenceApproval",
    "TermsOfReferenceVersion",
]
