from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    CERT = "cert", _("CERT (operator)")
    MEMBER_AGENCY = "member_agency", _("Coordination-group member agency")
    CONSTITUENT = "constituent", _("Constituent")


class ConstituentType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic / puskesmas")
    LABORATORY = "laboratory", _("Laboratory")
    PHARMACY = "pharmacy", _("Pharmacy")
    HEALTHTECH_VENDOR = "healthtech_vendor", _("Health-tech vendor")
    INSURER = "insurer", _("Insurer")
    OTHER = "other", _("Other")
