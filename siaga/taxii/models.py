"""TAXII 2.1 collections: each is one cell of the sharing rule (distribution, sharing group, TLP),
so what a collection holds is the STIX objects with exactly those labels, and who may read or
write it follows from the same rule as everywhere else (``siaga.sharing.visibility``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.sharing.choices import TLP, Distribution


class Collection(TimeStampedModel, RestrictedModel):
    """A TAXII collection over the STIX objects labelled (distribution, sharing group, TLP)."""

    uuid = models.UUIDField(_("TAXII id"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    alias = models.SlugField(_("alias"), max_length=100, unique=True, null=True, blank=True)
    distribution = models.CharField(_("distribution"), max_length=16, choices=Distribution.choices)
    sharing_group = models.ForeignKey(
        "sharing.SharingGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taxii_collections",
        verbose_name=_("sharing group"),
    )
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices)
    # The organization whose objects a distribution=organization collection holds.
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    cell = models.CharField(_("cell"), max_length=120, unique=True, editable=False)
    writable = models.BooleanField(_("members may add objects"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("TAXII collection")
        verbose_name_plural = _("TAXII collections")
        # One collection per cell: enforced by ``cell`` (``distribution:group:organization:tlp``).

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        self.cell = ":".join(
            str(part or "-")
            for part in (self.distribution, self.sharing_group_id, self.organization_id, self.tlp)
        )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class StatusState(models.TextChoices):
    """Where an asynchronous TAXII request stands."""

    PENDING = "pending", _("Pending")
    COMPLETE = "complete", _("Complete")


class TaxiiStatus(models.Model):
    """The TAXII status resource of one POST to a collection: what was added, what failed.

    Only the person who posted may read it (the object ids alone can tell a partner too much).
    ``successes``, ``failures`` and ``pendings`` hold status details ``{id, version, message}``.
    The audit trail records each POST once, with its counts (``actions.do_add_objects``), rather
    than this row with its lists of every object id.
    """

    audit_enabled = False

    uuid = models.UUIDField(_("TAXII id"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="statuses", verbose_name=_("collection")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=StatusState.choices, default=StatusState.PENDING
    )
    request_timestamp = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    total_count = models.PositiveIntegerField(_("objects"), default=0)
    success_count = models.PositiveIntegerField(_("succeeded"), default=0)
    failure_count = models.PositiveIntegerField(_("failed"), default=0)
    pending_count = models.PositiveIntegerField(_("pending"), default=0)
    successes = models.JSONField(_("successes"), default=list, blank=True)
    failures = models.JSONField(_("failures"), default=list, blank=True)
    pendings = models.JSONField(_("pendings"), default=list, blank=True)

    class Meta:
        ordering = ["-request_timestamp"]
        verbose_name = _("TAXII status")
        verbose_name_plural = _("TAXII statuses")

    def __str__(self) -> str:
        return f"{self.uuid} ({self.status})"
