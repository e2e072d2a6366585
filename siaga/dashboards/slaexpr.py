"""The SQL expressions of response times and SLA deadlines, shared by the roll-ups and the direct
queries over the incidents (so both compute the same thing)."""

from __future__ import annotations

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from siaga.incidents.choices import Priority
from siaga.incidents.slas import Milestone, target

MILESTONE_FIELDS = {
    Milestone.ACKNOWLEDGE: "acknowledged_at",
    Milestone.TRIAGE: "triaged_at",
    Milestone.FIRST_RESPONSE: "first_response_at",
    Milestone.RESOLVE: "resolved_at",
}


def elapsed(field: str) -> ExpressionWrapper:
    """The time from the incident's creation to ``field``."""
    return ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())


def due(milestone: Milestone) -> ExpressionWrapper:
    """The milestone's deadline of each row: its start plus the target of its priority."""
    started = Coalesce(F("reported_at"), F("created_at"))
    length = Case(
        *[When(priority=p, then=Value(target(p, milestone))) for p in Priority.values],
        default=Value(target(Priority.P4, milestone)),
        output_field=DurationField(),
    )
    return ExpressionWrapper(started + length, output_field=DateTimeField())
