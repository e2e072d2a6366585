"""Exercises and their findings (follow-up actions are action items, see ``meetings``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from siaga.governance.actions.common import apply, require_all
from siaga.governance.models import Exercise, Finding

EXERCISE_FIELDS = ("kind", "title", "held_on", "scenario_id", "scenario_en", "status")


def visible_exercises(user: Any) -> QuerySet[Exercise]:
    return Exercise.objects.restrict(user, "view")


def access_exercise(user: Any, pk: int, action: str = "view") -> Exercise:
    return get_object_or_404(Exercise.objects.restrict(user, action), pk=pk)


def check_save_exercise(
    user: Any, data: dict[str, Any], exercise: Exercise | None = None
) -> Exercise:
    require_all(user, "exercise.change")
    row = exercise or Exercise(created_by=user)
    apply(row, data, EXERCISE_FIELDS)
    with transaction.atomic():
        row.save()
        if "participants" in data:
            row.participants.set(data["participants"])
    return row


def check_add_finding(user: Any, exercise: Exercise, data: dict[str, Any]) -> Finding:
    require_all(user, "exercise.change")
    if not data.get("text", "").strip():
        raise ValidationError({"text": _("Describe the finding.")})
    with transaction.atomic():
        return Finding.objects.create(
            exercise=exercise, text=data["text"], severity=data["severity"]
        )
