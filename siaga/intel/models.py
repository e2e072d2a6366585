"""The canonical store of indicators (one row per observable value and source organization) and
the sightings that organizations report of them."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import TimeStampedModel
from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.intel.choices import SourceKind
from siaga.sharing.models import Shareable


class Indicator(TimeStampedModel, Shareable):
    """An observable value (IP, domain, hash, ...) known to one source organization, in its one
    canonical form, with how far it is trusted and how long it stays relevant."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=16, choices=ObservableType.choices)
    value = models.CharField(_("value"), max_length=MAX_VALUE_LENGTH)
    # ``siaga.core.observables.value_key``: a fixed-length key for exact lookups and correlation.
    value_key = models.CharField(_("value key"), max_length=64, db_index=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence"), default=50, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    source_kind = models.CharField(
        _("source"), max_length=16, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)
    rsit = models.CharField(_("RSIT classification"), max_length=64, blank=True)
    attack_techniques = models.JSONField(_("ATT&CK techniques"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Names of the warninglists the value is on; such an indicator is kept out of alerting.
    warninglists = models.JSONField(_("warninglists"), default=list, blank=True)
    alerting = models.BooleanField(_("used for alerting"), default=True)
    # A STIX pattern kept as imported when it is more than one value (``[a] AND [b]``).
    pattern = models.TextField(_("STIX pattern"), blank=True)
    sighting_count = models.PositiveIntegerField(_("sightings"), default=0)
    false_positive_count = models.PositiveIntegerField(_("false-positive sightings"), default=0)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "type", "value_key"], name="intel_indicator_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["type", "value_key"], name="intel_ind_type_key")]

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.uuid}"

    @property
    def current_score(self) -> float:
        """The confidence decayed by age since last seen (``siaga.intel.decay``), 0 to 100."""
        from siaga.intel.decay import score

        return score(self, timezone.now())


def _sighting_restrict_extra(queryset: Any, principal: Any, action: str) -> Any:
    # A sighting is seen only by who may see both it and its indicator: a sighting shared more
    # widely than its indicator must not reveal the indicator's value.
    from siaga.sharing.visibility import audience_for_principal, visible_q

    audience = audience_for_principal(principal)
    return queryset.filter(
        visible_q(audience, Sighting) & visible_q(audience, Indicator, prefix="indicator__")
    )


class Sighting(TimeStampedModel, Shareable):
    """An organization saw an indicator: where, when, how often, or that it was a false positive."""

    restrict_extra = staticmethod(_sighting_restrict_extra)

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="sightings", verbose_name=_("indicator")
    )
    observed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    count = models.PositiveIntegerField(_("count"), default=1, validators=[MinValueValidator(1)])
    where = models.CharField(_("where"), max_length=200, blank=True)
    is_false_positive = models.BooleanField(_("false positive"), default=False)
    source_kind = models.CharField(
        _("source"), max_length=16, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")

    def __str__(self) -> str:
        return f"{self.indicator_id} x{self.count}"

    @property
    def stix_id(self) -> str:
        return f"sighting--{self.uuid}"
