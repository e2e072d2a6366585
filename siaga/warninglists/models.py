"""Warninglists: lists of known-benign values (MISP warninglist format) and their entries.

Entries are one row each rather than one JSON blob per list: the detail page pages and searches
them in the database, a re-load replaces them in one statement per batch, and the matcher reads
only the enabled lists' values (``values_list``) when it builds its in-process index. The largest
shared lists hold tens of thousands of values, so a few hundred thousand narrow rows at most.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.warninglists.choices import ListType

MAX_ENTRY_LENGTH = 1024


class Warninglist(TimeStampedModel, RestrictedModel):
    """One list of known-benign values (public DNS resolvers, RFC 1918 networks, top domains...).

    A value on an enabled list is flagged when it enters Siaga and kept out of alerting.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveBigIntegerField(_("version"), default=1)
    type = models.CharField(_("type"), max_length=16, choices=ListType.choices)
    category = models.CharField(_("category"), max_length=100, blank=True)
    # MISP attribute types the list applies to (ip-src, domain, ...); empty = every type.
    matching_attributes = models.JSONField(_("matching attributes"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    loaded_at = models.DateTimeField(_("loaded"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("warninglist")
        verbose_name_plural = _("warninglists")

    def __str__(self) -> str:
        return self.name


class WarninglistEntry(models.Model):
    """One value of a warninglist, as the list file gives it (trimmed)."""

    # A load writes tens of thousands of entries: the list's own audit entry (version, entry
    # count, source) records it, one entry per value would drown the trail.
    audit_enabled = False

    warninglist = models.ForeignKey(
        Warninglist, verbose_name=_("warninglist"), on_delete=models.CASCADE, related_name="entries"
    )
    value = models.CharField(_("value"), max_length=MAX_ENTRY_LENGTH)

    class Meta:
        ordering = ["warninglist", "pk"]
        verbose_name = _("warninglist entry")
        verbose_name_plural = _("warninglist entries")

    def __str__(self) -> str:
        return self.value
