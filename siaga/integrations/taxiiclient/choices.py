"""Enumerations of the TAXII client."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthKind(models.TextChoices):
    NONE = "none", _("None")
    BASIC = "basic", _("User name and password (HTTP Basic)")
    TOKEN = "token", _("Bearer token")
