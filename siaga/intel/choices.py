"""Enumerations of the intelligence store."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    """Where an indicator or sighting came from."""

    MANUAL = "manual", _("Entered by hand")
    INCIDENT = "incident", _("Incident")
    FEED = "feed", _("Feed")
    STIX = "stix", _("STIX import")
    TAXII = "taxii", _("TAXII collection")
    MISP = "misp", _("MISP import")
