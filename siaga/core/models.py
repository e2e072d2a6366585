"""Base models shared by every Siaga app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.querysets import RestrictedQuerySet


class TimeStampedModel(models.Model):
    """Adds creation and last-change times (UTC) to a model."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class RestrictedModel(models.Model):
    """A model whose rows are scoped to each user through ``objects.restrict(user, action)``.

    ``restrict_org_field`` names the path to the organization that owns a row and
    ``restrict_owner_field`` the path to the user who owns it; see ``siaga.core.querysets``.
    """

    restrict_org_field: str | None = None
    restrict_owner_field: str | None = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
