"""Feeds, the reports they deliver, and the rows of a report that could not be read.

A report is stored raw first (checksum, size, where it came from) and only then processed: if
anything later fails, the file is still there to process again. Processing goes chunk by chunk;
each chunk's events and its ``ReportChunk`` row commit together, so a worker that dies mid-report
leaves whole chunks behind and the next run skips exactly those (idempotent by report checksum and
row position, without a per-event unique index on a table of tens of millions of rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.feeds.choices import CollectorKind, FeedReportStatus, ParserKind, ReportSource
from siaga.notifications import signing

# Collectors that run on the feed's schedule (``fetch_every_minutes``).
SCHEDULED_COLLECTORS = (CollectorKind.HTTP, CollectorKind.IMAP, CollectorKind.TAXII)


class Feed(TimeStampedModel, RestrictedModel):
    """A source of reports (Shadowserver's daily reports, an abuse.ch list, a partner's file)."""

    audit_exclude_fields = ("secret",)

    name = models.CharField(_("name"), max_length=200, unique=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    parser = models.CharField(_("parser"), max_length=20, choices=ParserKind.choices)
    collector = models.CharField(
        _("collector"), max_length=10, choices=CollectorKind.choices, default=CollectorKind.UPLOAD
    )
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    # Sent with every fetch, e.g. "Authorization" or abuse.ch's "Auth-Key"; its value is sealed
    # with the server's key (``siaga.notifications.signing``) and never shown again.
    auth_header = models.CharField(_("authentication header"), max_length=100, blank=True)
    secret = models.TextField(blank=True, editable=False)
    verify_tls = models.BooleanField(_("verify the TLS certificate"), default=True)
    # IMAP and TAXII: the account (the secret is its password); HTTP: unused.
    username = models.CharField(_("user name"), max_length=200, blank=True)
    mail_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    mail_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    mail_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    mail_use_tls = models.BooleanField(_("IMAP over TLS"), default=True)
    # Attachments whose file name matches this shell pattern become reports (e.g. "*.csv").
    attachment_pattern = models.CharField(
        _("attachment names"), max_length=200, default="*", blank=True
    )
    # The operator's mapping for the mapped CSV/JSON parsers (see ``parsers.mapping``).
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    # Where the collector left off (TAXII: the last X-TAXII-Date-Added-Last seen).
    cursor = models.CharField(max_length=100, blank=True, editable=False)
    fetch_every_minutes = models.PositiveIntegerField(_("fetch every (minutes)"), default=1440)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")

    def __str__(self) -> str:
        return self.name

    def set_secret(self, plain: str) -> None:
        self.secret = signing.seal(plain) if plain else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)

    @property
    def plain_secret(self) -> str:
        return signing.unseal(self.secret) if self.secret else ""

    def fetch_is_due(self, now: datetime | None = None) -> bool:
        if not (self.is_active and self.collector in SCHEDULED_COLLECTORS):
            return False
        if self.collector == CollectorKind.IMAP and not self.mail_host:
            return False
        if self.collector != CollectorKind.IMAP and not self.url:
            return False
        if self.last_fetched_at is None:
            return True
        now = now or timezone.now()
        return now - self.last_fetched_at >= timedelta(minutes=self.fetch_every_minutes)


class FeedReport(RestrictedModel):
    """One collected file, kept as received until retention removes it."""

    audit_enabled = False  # progress writes; the actions audit receipt and re-processing

    feed = models.ForeignKey(
        Feed, verbose_name=_("feed"), on_delete=models.PROTECT, related_name="reports"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    source = models.CharField(_("source"), max_length=10, choices=ReportSource.choices)
    # Shadowserver: the report type that was detected (its file_name key); other parsers: empty.
    report_type = models.CharField(_("report type"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FeedReportStatus.choices,
        default=FeedReportStatus.RECEIVED,
    )
    error = models.TextField(_("error"), blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    events_stored = models.PositiveBigIntegerField(_("events stored"), default=0)
    duplicates = models.PositiveBigIntegerField(_("duplicates merged"), default=0)
    rows_quarantined = models.PositiveBigIntegerField(_("rows quarantined"), default=0)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("feed report")
        verbose_name_plural = _("feed reports")
        constraints = [
            # The same file from the same feed is one report: received twice, processed once.
            models.UniqueConstraint(fields=["feed", "sha256"], name="feeds_report_once")
        ]

    def __str__(self) -> str:
        return self.file_name


class ReportChunk(models.Model):
    """A chunk of a report whose events are stored: written in the same transaction as they are."""

    report = models.ForeignKey(FeedReport, on_delete=models.CASCADE, related_name="chunks")
    first_row = models.PositiveBigIntegerField()
    rows = models.PositiveIntegerField()
    events_stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    # The chunk's daily roll-up rows (``siaga.events.rollups.packed``) until the report's chunks
    # are stored and their sum is added to the roll-ups (``siaga.feeds.pipeline``); then empty.
    rollup = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "first_row"], name="feeds_chunk_once")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}@{self.first_row}"


class QuarantinedRow(RestrictedModel):
    """A row of a report that could not be read: kept with the reason until re-processed."""

    audit_enabled = False

    report = models.ForeignKey(
        FeedReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="quarantine"
    )
    row = models.PositiveBigIntegerField(_("row"))
    reason = models.CharField(_("reason"), max_length=500)
    raw = models.TextField(_("original text"))
    created_at = models.DateTimeField(_("quarantined"), default=timezone.now)

    class Meta:
        ordering = ["report", "row"]
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        constraints = [
            models.UniqueConstraint(fields=["report", "row"], name="feeds_quarantine_once")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.row}"
