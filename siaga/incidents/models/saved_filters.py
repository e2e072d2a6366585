"""Saved filters of the incident list: a name for a query string someone uses often."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import TimeStampedModel


class SavedFilter(TimeStampedModel):
    """One person's named filter of the incident list (the query string, without paging).

    A saved filter belongs to its owner alone: every read and write goes through
    ``siaga.incidents.actions.saved_filters``, which looks rows up by owner, so there is no scope
    to grant to anyone else. Saving under a name already used replaces that filter.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_incident_filters",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filter"), max_length=2000, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="one_saved_filter_per_name")
        ]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")

    def __str__(self) -> str:
        return self.name
