"""Feed events: harmonized findings about constituents' networks, stored by the million.

One row per finding (duplicates within the deduplication window raise ``count`` and
``last_seen`` instead of adding rows). The columns are IntelMQ's event fields with ``_`` for
``.`` (``source.geolocation.cc`` → ``source_geolocation_cc``; see ``siaga.feeds.harmonized``).

Built for tens of millions of rows: on PostgreSQL the time column has a BRIN index (a few pages
for the whole table, and feeds arrive in time order) and rows arrive by COPY; the other indexes
serve the questions asked of it — a constituent's events over time, an address or network, a
duplicate within the window (one index for these two) — and no more: every index is paid for by
every COPY.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel
from siaga.events.choices import Severity


class Event(RestrictedModel):
    """One finding from a feed about an address, host or URL (and the constituent that owns it)."""

    audit_enabled = False  # written by the million; the report's audit entry records the import
    restrict_org_field = "constituent"

    feed_name = models.CharField(_("feed"), max_length=200)
    feed_provider = models.CharField(_("provider"), max_length=200, blank=True)
    feed_accuracy = models.FloatField(null=True, blank=True)
    feed_url = models.CharField(max_length=2000, blank=True)
    feed_code = models.CharField(max_length=100, blank=True)
    time_source = models.DateTimeField(_("time (source)"), null=True, blank=True)
    time_observation = models.DateTimeField(_("time (observed)"), default=timezone.now)
    classification_taxonomy = models.CharField(_("taxonomy"), max_length=50)
    classification_type = models.CharField(_("type"), max_length=50)
    classification_identifier = models.CharField(_("identifier"), max_length=100, blank=True)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    source_port = models.IntegerField(_("source port"), null=True, blank=True)
    source_asn = models.BigIntegerField(_("source AS number"), null=True, blank=True)
    source_as_name = models.CharField(max_length=300, blank=True)
    source_network = models.CharField(max_length=50, blank=True)
    source_fqdn = models.CharField(_("source host"), max_length=255, blank=True)
    source_reverse_dns = models.CharField(max_length=255, blank=True)
    source_url = models.TextField(_("source URL"), blank=True)
    source_account = models.CharField(max_length=300, blank=True)
    source_abuse_contact = models.CharField(max_length=300, blank=True)
    source_local_hostname = models.CharField(max_length=255, blank=True)
    source_local_ip = models.CharField(max_length=45, blank=True)
    source_geolocation_cc = models.CharField(_("source country"), max_length=2, blank=True)
    source_geolocation_region = models.CharField(max_length=200, blank=True)
    source_geolocation_city = models.CharField(max_length=200, blank=True)
    source_geolocation_latitude = models.FloatField(null=True, blank=True)
    source_geolocation_longitude = models.FloatField(null=True, blank=True)
    destination_ip = models.GenericIPAddressField(_("destination IP"), null=True, blank=True)
    destination_port = models.IntegerField(_("destination port"), null=True, blank=True)
    destination_asn = models.BigIntegerField(null=True, blank=True)
    destination_as_name = models.CharField(max_length=300, blank=True)
    destination_network = models.CharField(max_length=50, blank=True)
    destination_fqdn = models.CharField(max_length=255, blank=True)
    destination_reverse_dns = models.CharField(max_length=255, blank=True)
    destination_url = models.TextField(blank=True)
    destination_local_hostname = models.CharField(max_length=255, blank=True)
    destination_geolocation_cc = models.CharField(max_length=2, blank=True)
    destination_geolocation_region = models.CharField(max_length=200, blank=True)
    destination_geolocation_city = models.CharField(max_length=200, blank=True)
    destination_geolocation_latitude = models.FloatField(null=True, blank=True)
    destination_geolocation_longitude = models.FloatField(null=True, blank=True)
    protocol_application = models.CharField(_("application protocol"), max_length=100, blank=True)
    protocol_transport = models.CharField(_("transport protocol"), max_length=20, blank=True)
    malware_name = models.CharField(_("malware"), max_length=200, blank=True)
    malware_version = models.CharField(max_length=100, blank=True)
    malware_hash_md5 = models.CharField(max_length=32, blank=True)
    malware_hash_sha1 = models.CharField(max_length=40, blank=True)
    malware_hash_sha256 = models.CharField(max_length=64, blank=True)
    event_description_text = models.TextField(blank=True)
    event_description_url = models.CharField(max_length=2000, blank=True)
    status = models.CharField(max_length=50, blank=True)
    extra = models.JSONField(_("extra"), null=True, blank=True)

    # Siaga's own: whose it is, how urgent, how often seen, where it came from.
    constituent = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feed_events",
        db_constraint=False,  # rows arrive by COPY in bulk; a deleted organization leaves history
        db_index=False,  # events_constituent_time leads with it; a second index slowed every COPY
    )
    matched_by = models.CharField(_("matched by"), max_length=10, blank=True)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    # On an enabled warninglist (a known-benign address, host or URL): kept out of digests.
    warninglisted = models.BooleanField(_("on a warninglist"), default=False)
    # The address, host or URL is an indicator in the intelligence store (``feeds.correlating``).
    intel_matched = models.BooleanField(_("known to the intelligence store"), default=False)
    count = models.PositiveIntegerField(_("times seen"), default=1)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    dedupe_key = models.BigIntegerField(_("deduplication key"))
    report = models.ForeignKey(
        "feeds.FeedReport",
        verbose_name=_("report"),
        # Retention removes a report's events before the report (both by age), so a removed report
        # has nothing to update: no index on this column, which every COPY would pay for.
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="events",
        db_constraint=False,  # retention removes reports and events on their own schedules
        db_index=False,
    )
    report_row = models.PositiveBigIntegerField(_("report row"), null=True, blank=True)
    # Where the event's line starts in its stored report. A CSV report's columns beyond the
    # harmonized fields are read back from there (``siaga.feeds.details``) instead of being copied
    # into every row: ``extra`` stays empty for such events, and the table stays narrow.
    report_offset = models.PositiveBigIntegerField(_("report offset"), null=True, blank=True)

    class Meta:
        ordering = ["-time_observation", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(
                fields=["constituent", "time_observation"], name="events_constituent_time"
            ),
            # One index for two questions: an address or network (its first column) and a
            # repeat within the window (the address is part of the finding's key, so a repeat has
            # the finding's address and key). Two indexes, one on each column, cost each COPY
            # 4.7 µs a row where this one costs 2.5 (docs/performance.md).
            models.Index(fields=["source_ip", "dedupe_key"], name="events_source_ip_key"),
            models.Index(
                fields=["classification_type", "time_observation"], name="events_type_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.classification_identifier or self.classification_type} {self.source_ip or self.source_fqdn}"


class EventDailyCount(models.Model):
    """How many events one day brought, per feed, classification, constituent and severity.

    Written with every stored chunk (``siaga.events.rollups``) so that the sector statistics read a
    few thousand rows instead of scanning the events; kept after retention removes the events.
    ``events`` counts new rows, ``findings`` every finding (a repeat merged into a stored event
    adds to ``findings`` only)."""

    day = models.DateField(_("day"))
    feed_name = models.CharField(_("feed"), max_length=200)
    classification_taxonomy = models.CharField(_("taxonomy"), max_length=50)
    classification_type = models.CharField(_("type"), max_length=50)
    constituent = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.DO_NOTHING,  # statistics outlive the organization; null = unattributed
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    events = models.PositiveBigIntegerField(_("events"), default=0)
    findings = models.PositiveBigIntegerField(_("findings"), default=0)

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("daily event count")
        verbose_name_plural = _("daily event counts")
        constraints = [
            # COALESCE: a unique constraint treats NULLs as distinct, and the unattributed rows
            # must meet in one row for ``INSERT ... ON CONFLICT`` (``rollups.record_rollup``).
            models.UniqueConstraint(
                models.F("day"),
                models.F("feed_name"),
                models.F("classification_taxonomy"),
                models.F("classification_type"),
                Coalesce(models.F("constituent"), models.Value(0)),
                models.F("severity"),
                name="events_daily_count_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.feed_name} {self.classification_type}: {self.events}"
