"""Exercises of the coordination group (tabletop or drill), their findings; follow-up actions are
``ActionItem`` rows linked to the exercise."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.governance.choices import ExerciseKind, ExerciseStatus, FindingSeverity
from siaga.governance.models.base import ParentPermissionManager, bilingual


class Exercise(TimeStampedModel, RestrictedModel):
    """One exercise: its scenario in both languages and the organizations taking part."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=ExerciseKind.choices, default=ExerciseKind.TABLETOP
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    scenario_id = bilingual(_("scenario"), "id")
    scenario_en = bilingual(_("scenario"), "en")
    participants = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="+",
        verbose_name=_("participating organizations"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExerciseStatus.choices, default=ExerciseStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """What an exercise showed, with its severity; read and written under ``exercise.*``."""

    permission_model = "exercise"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField(_("finding"), max_length=10_000)
    severity = models.CharField(_("severity"), max_length=10, choices=FindingSeverity.choices)

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["exercise", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
