"""Enumerations of the constituent registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.TextChoices):
    """Indonesia's 38 provinces, by their two-digit BPS statistical area code.

    The codes of the four Papuan provinces created in 2022 follow BPS's master file (92, 95, 96,
    97); the home ministry numbers them differently, so match on the name when importing its data.
    """

    ACEH = "11", "Aceh"
    SUMATERA_UTARA = "12", "Sumatera Utara"
    SUMATERA_BARAT = "13", "Sumatera Barat"
    RIAU = "14", "Riau"
    JAMBI = "15", "Jambi"
    SUMATERA_SELATAN = "16", "Sumatera Selatan"
    BENGKULU = "17", "Bengkulu"
    LAMPUNG = "18", "Lampung"
    BANGKA_BELITUNG = "19", "Kepulauan Bangka Belitung"
    KEPULAUAN_RIAU = "21", "Kepulauan Riau"
    DKI_JAKARTA = "31", "DKI Jakarta"
    JAWA_BARAT = "32", "Jawa Barat"
    JAWA_TENGAH = "33", "Jawa Tengah"
    DI_YOGYAKARTA = "34", "DI Yogyakarta"
    JAWA_TIMUR = "35", "Jawa Timur"
    BANTEN = "36", "Banten"
    BALI = "51", "Bali"
    NUSA_TENGGARA_BARAT = "52", "Nusa Tenggara Barat"
    NUSA_TENGGARA_TIMUR = "53", "Nusa Tenggara Timur"
    KALIMANTAN_BARAT = "61", "Kalimantan Barat"
    KALIMANTAN_TENGAH = "62", "Kalimantan Tengah"
    KALIMANTAN_SELATAN = "63", "Kalimantan Selatan"
    KALIMANTAN_TIMUR = "64", "Kalimantan Timur"
    KALIMANTAN_UTARA = "65", "Kalimantan Utara"
    SULAWESI_UTARA = "71", "Sulawesi Utara"
    SULAWESI_TENGAH = "72", "Sulawesi Tengah"
    SULAWESI_SELATAN = "73", "Sulawesi Selatan"
    SULAWESI_TENGGARA = "74", "Sulawesi Tenggara"
    GORONTALO = "75", "Gorontalo"
    SULAWESI_BARAT = "76", "Sulawesi Barat"
    MALUKU = "81", "Maluku"
    MALUKU_UTARA = "82", "Maluku Utara"
    PAPUA_BARAT = "91", "Papua Barat"
    PAPUA_BARAT_DAYA = "92", "Papua Barat Daya"
    PAPUA = "94", "Papua"
    PAPUA_SELATAN = "95", "Papua Selatan"
    PAPUA_TENGAH = "96", "Papua Tengah"
    PAPUA_PEGUNUNGAN = "97", "Papua Pegunungan"


class ContactRole(models.TextChoices):
    SECURITY_OFFICER = "security_officer", _("Security officer")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data protection officer")
    DIRECTOR = "director", _("Director")
    IT_LEAD = "it_lead", _("IT lead")
    HOTLINE_24_7 = "hotline_24_7", _("24/7 hotline")


class ContactLanguage(models.TextChoices):
    INDONESIAN = "id", _("Indonesian")
    ENGLISH = "en", _("English")


class NotificationKind(models.TextChoices):
    """What a contact wants to receive from the CERT."""

    INCIDENTS = "incidents", _("Incidents")
    ADVISORIES = "advisories", _("Advisories")
    ALERTS = "alerts", _("Alerts")
    FEED_DIGESTS = "feed_digests", _("Feed digests")
    ASSESSMENTS = "assessments", _("Assessments")
    LEGAL_NOTICES = "legal_notices", _("Legal notices")


class AssetKind(models.TextChoices):
    IP_RANGE = "ip_range", _("IP range")
    ASN = "asn", _("Autonomous system")
    DOMAIN = "domain", _("Domain")


class AssetStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REMOVAL_PENDING = "removal_pending", _("Removal pending")


# Statuses in which an asset belongs to its organization as far as the CERT is concerned: a removal
# request changes nothing until the CERT approves it.
REGISTERED_STATUSES = (AssetStatus.APPROVED, AssetStatus.REMOVAL_PENDING)
# Statuses whose overlaps with other organizations are worth flagging.
CLAIMED_STATUSES = (AssetStatus.PENDING, *REGISTERED_STATUSES)
# Statuses that wait for the CERT's decision.
REVIEWABLE_STATUSES = (AssetStatus.PENDING, AssetStatus.REMOVAL_PENDING)


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class InventoryKind(models.TextChoices):
    INFORMATION_SYSTEM = "information_system", _("Information system")
    MEDICAL_DEVICE = "medical_device", _("Medical device")
    NETWORK_DEVICE = "network_device", _("Network device")
    OTHER = "other", _("Other")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")
