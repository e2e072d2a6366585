"""The STIX store: every STIX object Siaga holds, each version a row, kept as received.

Objects arrive from STIX imports, TAXII posts, the TAXII client and MISP, and are written when
Siaga's own indicators, sightings and incidents are published. TAXII collections serve straight
from this table: ``raw`` is the object's JSON text exactly as it will be sent, so a page of a
collection is a concatenation of stored strings, not a re-serialization.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.sharing.models import Shareable


class StixObject(Shareable):
    """One version of one STIX object (``type--uuid`` + ``modified``), with its sharing labels."""

    stix_id = models.CharField(_("STIX id"), max_length=120)
    type = models.CharField(_("type"), max_length=64)
    spec_version = models.CharField(_("spec version"), max_length=8, default="2.1")
    # The version: ``modified``, else ``created``, else the time it was added (objects without
    # either, such as cyber observables, have one version).
    version = models.DateTimeField(_("version"))
    date_added = models.DateTimeField(_("date added"), default=timezone.now)
    is_latest = models.BooleanField(_("latest version"), default=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    raw = models.TextField(_("JSON"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    # As in Shareable, without the index: nothing lists STIX objects by who imported them, and a
    # user is deleted rarely (the SET NULL then reads the table once), while every imported row
    # would pay for the index.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        db_index=False,
    )

    class Meta:
        ordering = ["date_added", "pk"]
        verbose_name = _("STIX object")
        verbose_name_plural = _("STIX objects")
        constraints = [
            models.UniqueConstraint(fields=["stix_id", "version"], name="stix_object_version_once")
        ]
        indexes = [
            # A TAXII collection is a (distribution, sharing group, TLP) cell, paged by date_added.
            models.Index(
                fields=["distribution", "sharing_group", "tlp", "date_added", "id"],
                name="stix_collection_page",
            ),
            # No (stix_id, is_latest) index: the unique (stix_id, version) index above finds an
            # id's few versions as well, and one index fewer on random keys makes imports faster.
            models.Index(fields=["type"], name="stix_type"),
        ]

    def __str__(self) -> str:
        return f"{self.stix_id} @ {self.version.isoformat()}"


class PendingReference(models.Model):
    """An object refers to another that Siaga does not hold yet; resolved when it arrives."""

    source = models.ForeignKey(StixObject, on_delete=models.CASCADE, related_name="pending_refs")
    target_id = models.CharField(_("referenced STIX id"), max_length=120, db_index=True)
    property_name = models.CharField(_("property"), max_length=120)

    class Meta:
        verbose_name = _("pending reference")
        verbose_name_plural = _("pending references")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target_id", "property_name"], name="stix_pending_ref_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"
