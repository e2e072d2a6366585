"""The correlation store: one row per occurrence of a value, one summary row per value.

MISP stores a row per *pair* of correlating attributes, which grows with the square of how common a
value is. Siaga stores one row per *occurrence* (this value is held by that incident observable,
indicator, STIX object, ...) and correlates at lookup time through the ``value_key`` index, which
grows linearly. A value seen more than ``SIAGA_CORRELATION_MAX_PER_VALUE`` times is only counted
beyond that (``CorrelatedValue.capped``), so one very common value cannot explode the store.

Addresses and networks also carry their range in one 128-bit space (IPv4 mapped into
``::ffff:0:0/96``) as fixed-width hex strings, whose text order is their numeric order: "which
stored networks contain this address" and "which stored addresses are inside this network" are then
plain indexed comparisons that work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import ObservableType
from siaga.correlation.choices import OccurrenceKind

DISPLAY_VALUE_LENGTH = 512  # the key identifies the value; the text is only for display


class Occurrence(models.Model):
    """One holder (``kind`` + ``object_id``) of one value (``value_key``)."""

    value_key = models.CharField(_("value key"), max_length=64)
    type = models.CharField(_("type"), max_length=16, choices=ObservableType.choices)
    value = models.CharField(_("value"), max_length=DISPLAY_VALUE_LENGTH)
    kind = models.CharField(_("kind"), max_length=16, choices=OccurrenceKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    # The owner organization, for scoping by source; a plain number so that no delete cascades here.
    organization_id = models.IntegerField(_("organization"), null=True, blank=True)
    # For IPs (start = end) and CIDRs: 32 hex digits of the 128-bit address, IPv4 mapped. NULL,
    # not "", for every other type: the partial range index then leaves those rows out.
    range_start = models.CharField(_("range start"), max_length=32, null=True, blank=True)  # noqa: DJ001
    range_end = models.CharField(_("range end"), max_length=32, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        constraints = [
            # Also the index of the lookup by value (its leading column).
            models.UniqueConstraint(
                fields=["value_key", "kind", "object_id"], name="correlation_occurrence_once"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="correlation_occ_holder"),
            # Only addresses and networks have a range: partial indexes stay small, and with the
            # start as their first column the planner probes them for "start IN (...)" lookups.
            models.Index(
                fields=["range_start", "range_end"],
                name="correlation_occ_network",
                condition=Q(type="cidr"),
            ),
            models.Index(
                fields=["range_start"],
                name="correlation_occ_address",
                condition=Q(type="ip"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}:{self.value} in {self.kind} {self.object_id}"


class CorrelatedValue(models.Model):
    """How often a value occurs, and whether it became too common to store every occurrence."""

    value_key = models.CharField(_("value key"), max_length=64, unique=True)
    type = models.CharField(_("type"), max_length=16, choices=ObservableType.choices)
    value = models.CharField(_("value"), max_length=DISPLAY_VALUE_LENGTH)
    # Every occurrence recorded, stored or only counted.
    occurrence_count = models.PositiveBigIntegerField(_("occurrences"), default=0)
    # The occurrences stored as rows: the cap is checked against this, not with a COUNT(*).
    stored_count = models.PositiveIntegerField(_("stored occurrences"), default=0)
    capped = models.BooleanField(_("capped"), default=False)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("correlated value")
        verbose_name_plural = _("correlated values")

    def __str__(self) -> str:
        return f"{self.type}:{self.value} x{self.occurrence_count}"
