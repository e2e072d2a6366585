"""Enumerations of the feeds app: how reports arrive, how they are read, where they stand."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ParserKind(models.TextChoices):
    SHADOWSERVER = "shadowserver", _("Shadowserver report (CSV)")
    FEODO_JSON = "feodo_json", _("abuse.ch Feodo Tracker (JSON)")
    FEODO_CSV = "feodo_csv", _("abuse.ch Feodo Tracker (CSV)")
    URLHAUS_CSV = "urlhaus_csv", _("abuse.ch URLhaus (CSV)")
    THREATFOX_JSON = "threatfox_json", _("abuse.ch ThreatFox (JSON)")
    INTELMQ_JSONL = "intelmq_jsonl", _("IntelMQ events (JSON lines)")
    MAPPED_CSV = "mapped_csv", _("CSV with the operator's field mapping")
    MAPPED_JSON = "mapped_json", _("JSON with the operator's field mapping")
    STIX = "stix", _("STIX 2.x bundle")


class CollectorKind(models.TextChoices):
    UPLOAD = "upload", _("Upload (web, API or command line)")
    FOLDER = "folder", _("Drop folder")
    HTTP = "http", _("HTTP(S) fetch on a schedule")
    IMAP = "imap", _("Mail attachments from an IMAP mailbox")
    TAXII = "taxii", _("TAXII 2.1 collection")


class FeedReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportSource(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    FOLDER = "folder", _("Drop folder")
    HTTP = "http", _("HTTP fetch")
    IMAP = "imap", _("IMAP mailbox")
    TAXII = "taxii", _("TAXII collection")
