from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeZoneChoice(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB — Western Indonesia Time (UTC+7)")
    WITA = "Asia/Makassar", _("WITA — Central Indonesia Time (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT — Eastern Indonesia Time (UTC+9)")
    UTC = "UTC", _("UTC")


class LanguageChoice(models.TextChoices):
    INDONESIAN = "id", _("Bahasa Indonesia")
    ENGLISH = "en", _("English")


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")
