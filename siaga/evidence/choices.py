from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceSource(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class EvidenceFlag(models.TextChoices):
    """Warnings recorded on a file at upload; flagged files are still kept (they are evidence)."""

    TYPE_MISMATCH = "type_mismatch", _("Content does not match its declared type")
    EXECUTABLE = "executable", _("Executable program")
    ARCHIVE_SEALED = "archive_sealed", _("Malware sample or archive kept sealed")
    ARCHIVE_UNSAFE_PATHS = "archive_unsafe_paths", _("Archive with unsafe paths or links")
    ARCHIVE_BOMB = "archive_bomb", _("Archive that expands to an excessive size")
    ARCHIVE_DAMAGED = "archive_damaged", _("Damaged archive")
    ARCHIVE_ENCRYPTED = "archive_encrypted", _("Password-protected archive")
    ARCHIVE_NOT_INSPECTED = "archive_not_inspected", _("Archive not inspected")


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    STORED = "stored", _("Stored")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported")
    TRANSFERRED = "transferred", _("Transferred")
    VERIFIED = "verified", _("Verified")
    DELETED = "deleted", _("Deleted")
