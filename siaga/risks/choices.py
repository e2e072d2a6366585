"""Enumerations of the risk register."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskCategory(models.TextChoices):
    HEALTH_DATA_CONFIDENTIALITY = "health_data_confidentiality", _("Health data confidentiality")
    HEALTH_DATA_INTEGRITY = "health_data_integrity", _("Health data integrity")
    CLINICAL_AVAILABILITY = "clinical_availability", _("Availability of clinical systems")
    MEDICAL_DEVICES = "medical_devices", _("Medical devices")
    THIRD_PARTY = "third_party", _("Third party and supply chain")
    IDENTITY_ACCESS = "identity_access", _("Identity and access")
    PEOPLE = "people", _("People and awareness")
    LEGAL_COMPLIANCE = "legal_compliance", _("Legal and compliance")
    OTHER = "other", _("Other")


class RiskTreatment(models.TextChoices):
    MITIGATE = "mitigate", _("Mitigate")
    TRANSFER = "transfer", _("Transfer")
    AVOID = "avoid", _("Avoid")
    ACCEPT = "accept", _("Accept")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_TREATMENT = "in_treatment", _("In treatment")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


class RiskRatingKind(models.TextChoices):
    INHERENT = "inherent", _("Inherent")
    RESIDUAL = "residual", _("Residual")


# A closed risk is no longer reviewed (no reminders, never overdue).
ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.IN_TREATMENT, RiskStatus.ACCEPTED)
