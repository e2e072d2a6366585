"""Choices of the correlation app: what kind of thing holds a value."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OccurrenceKind(models.TextChoices):
    """The kind of holder an occurrence points to (``object_id`` is that holder's primary key)."""

    INDICATOR = "indicator", _("Indicator")
    OBSERVABLE = "observable", _("Incident observable")
    REPORT = "report", _("Incident report")
    FEED_EVENT = "feed_event", _("Feed event")
    STIX_OBJECT = "stix_object", _("STIX object")
    MISP_ATTRIBUTE = "misp_attribute", _("MISP attribute")
