"""Incident classification: the ENISA Reference Security Incident Taxonomy (RSIT) and health tags.

The table is written here from the RSIT (classes and their types, machine names as published);
it is not loaded from a file at run time. IntelMQ uses the same classes with a few extra types and
spells one type differently; ``normalize_type`` maps those spellings onto ours.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RsitClass(models.TextChoices):
    ABUSIVE_CONTENT = "abusive-content", _("Abusive content")
    MALICIOUS_CODE = "malicious-code", _("Malicious code")
    INFORMATION_GATHERING = "information-gathering", _("Information gathering")
    INTRUSION_ATTEMPTS = "intrusion-attempts", _("Intrusion attempts")
    INTRUSIONS = "intrusions", _("Intrusions")
    AVAILABILITY = "availability", _("Availability")
    INFORMATION_CONTENT_SECURITY = "information-content-security", _("Information content security")
    FRAUD = "fraud", _("Fraud")
    VULNERABLE = "vulnerable", _("Vulnerable")
    OTHER = "other", _("Other")
    TEST = "test", _("Test")


class RsitType(models.TextChoices):
    SPAM = "spam", _("Spam")
    HARMFUL_SPEECH = "harmful-speech", _("Harmful speech")
    VIOLENCE = "violence", _("(Child) sexual exploitation, sexual or violent content")
    INFECTED_SYSTEM = "infected-system", _("Infected system")
    C2_SERVER = "c2-server", _("C2 server")
    MALWARE_DISTRIBUTION = "malware-distribution", _("Malware distribution")
    MALWARE_CONFIGURATION = "malware-configuration", _("Malware configuration")
    SCANNER = "scanner", _("Scanning")
    SNIFFING = "sniffing", _("Sniffing")
    SOCIAL_ENGINEERING = "social-engineering", _("Social engineering")
    IDS_ALERT = "ids-alert", _("Exploitation of known vulnerabilities")
    BRUTE_FORCE = "brute-force", _("Login attempts")
    EXPLOIT = "exploit", _("New attack signature")
    PRIVILEGED_ACCOUNT_COMPROMISE = (
        "privileged-account-compromise",
        _("Privileged account compromise"),
    )
    UNPRIVILEGED_ACCOUNT_COMPROMISE = (
        "unprivileged-account-compromise",
        _("Unprivileged account compromise"),
    )
    APPLICATION_COMPROMISE = "application-compromise", _("Application compromise")
    SYSTEM_COMPROMISE = "system-compromise", _("System compromise")
    BURGLARY = "burglary", _("Burglary")
    DOS = "dos", _("Denial of service")
    DDOS = "ddos", _("Distributed denial of service")
    MISCONFIGURATION = "misconfiguration", _("Misconfiguration")
    SABOTAGE = "sabotage", _("Sabotage")
    OUTAGE = "outage", _("Outage")
    UNAUTHORISED_INFORMATION_ACCESS = (
        "unauthorised-information-access",
        _("Unauthorised access to information"),
    )
    UNAUTHORISED_INFORMATION_MODIFICATION = (
        "unauthorised-information-modification",
        _("Unauthorised modification of information"),
    )
    DATA_LOSS = "data-loss", _("Data loss")
    DATA_LEAK = "data-leak", _("Leak of confidential information")
    UNAUTHORISED_USE_OF_RESOURCES = (
        "unauthorised-use-of-resources",
        _("Unauthorised use of resources"),
    )
    COPYRIGHT = "copyright", _("Copyright")
    MASQUERADE = "masquerade", _("Masquerade")
    PHISHING = "phishing", _("Phishing")
    WEAK_CRYPTO = "weak-crypto", _("Weak cryptography")
    DDOS_AMPLIFIER = "ddos-amplifier", _("DDoS amplifier")
    POTENTIALLY_UNWANTED_ACCESSIBLE = (
        "potentially-unwanted-accessible",
        _("Potentially unwanted accessible services"),
    )
    INFORMATION_DISCLOSURE = "information-disclosure", _("Information disclosure")
    VULNERABLE_SYSTEM = "vulnerable-system", _("Vulnerable system")
    OTHER = "other", _("Uncategorised")
    UNDETERMINED = "undetermined", _("Undetermined")
    TEST = "test", _("Test")


T = RsitType
RSIT_TYPES_BY_CLASS: dict[str, tuple[str, ...]] = {
    RsitClass.ABUSIVE_CONTENT: (T.SPAM, T.HARMFUL_SPEECH, T.VIOLENCE),
    RsitClass.MALICIOUS_CODE: (
        T.INFECTED_SYSTEM,
        T.C2_SERVER,
        T.MALWARE_DISTRIBUTION,
        T.MALWARE_CONFIGURATION,
    ),
    RsitClass.INFORMATION_GATHERING: (T.SCANNER, T.SNIFFING, T.SOCIAL_ENGINEERING),
    RsitClass.INTRUSION_ATTEMPTS: (T.IDS_ALERT, T.BRUTE_FORCE, T.EXPLOIT),
    RsitClass.INTRUSIONS: (
        T.PRIVILEGED_ACCOUNT_COMPROMISE,
        T.UNPRIVILEGED_ACCOUNT_COMPROMISE,
        T.APPLICATION_COMPROMISE,
        T.SYSTEM_COMPROMISE,
        T.BURGLARY,
    ),
    RsitClass.AVAILABILITY: (T.DOS, T.DDOS, T.MISCONFIGURATION, T.SABOTAGE, T.OUTAGE),
    RsitClass.INFORMATION_CONTENT_SECURITY: (
        T.UNAUTHORISED_INFORMATION_ACCESS,
        T.UNAUTHORISED_INFORMATION_MODIFICATION,
        T.DATA_LOSS,
        T.DATA_LEAK,
    ),
    RsitClass.FRAUD: (T.UNAUTHORISED_USE_OF_RESOURCES, T.COPYRIGHT, T.MASQUERADE, T.PHISHING),
    RsitClass.VULNERABLE: (
        T.WEAK_CRYPTO,
        T.DDOS_AMPLIFIER,
        T.POTENTIALLY_UNWANTED_ACCESSIBLE,
        T.INFORMATION_DISCLOSURE,
        T.VULNERABLE_SYSTEM,
    ),
    RsitClass.OTHER: (T.OTHER, T.UNDETERMINED),
    RsitClass.TEST: (T.TEST,),
}
del T

# IntelMQ's spellings and extra types, mapped to the RSIT (class, type) they mean. A blacklisted
# address or a Tor/proxy node says nothing certain about an incident: "other/undetermined" keeps
# the event without inventing a classification; DGA domains and "malware" point at malicious code.
INTELMQ_TYPES: dict[str, tuple[str, str]] = {
    "unauthorized-use-of-resources": (RsitClass.FRAUD, RsitType.UNAUTHORISED_USE_OF_RESOURCES),
    "blacklist": (RsitClass.OTHER, RsitType.UNDETERMINED),
    "dga-domain": (RsitClass.MALICIOUS_CODE, RsitType.C2_SERVER),
    "malware": (RsitClass.MALICIOUS_CODE, RsitType.INFECTED_SYSTEM),
    "proxy": (RsitClass.OTHER, RsitType.UNDETERMINED),
    "tor": (RsitClass.OTHER, RsitType.UNDETERMINED),
}


def normalize_classification(rsit_class: str, rsit_type: str) -> tuple[str, str]:
    """The RSIT (class, type) for a pair that may use IntelMQ's spellings or extra types."""
    rsit_class = (rsit_class or "").strip().lower()
    rsit_type = (rsit_type or "").strip().lower()
    if rsit_type in INTELMQ_TYPES:
        return INTELMQ_TYPES[rsit_type]
    return rsit_class, rsit_type


def class_of_type(rsit_type: str) -> str | None:
    for rsit_class, types in RSIT_TYPES_BY_CLASS.items():
        if rsit_type in types:
            return str(rsit_class)
    return None


def validate_classification(
    rsit_class: str,
    rsit_type: str,
    *,
    required: bool = False,
    fields: tuple[str, str] = ("rsit_class", "rsit_type"),
) -> None:
    """Raise a per-field ValidationError unless (class, type) is an RSIT pair (or both empty).

    ``fields`` names the two fields in the errors (a report calls them ``suspected_*``).
    """
    class_field, type_field = fields
    if not rsit_class and not rsit_type:
        if required:
            raise ValidationError({class_field: _("Choose a class.")})
        return
    if rsit_class not in RSIT_TYPES_BY_CLASS:
        raise ValidationError({class_field: _("Unknown RSIT class.")})
    if not rsit_type:
        raise ValidationError({type_field: _("Choose a type of this class.")})
    if rsit_type not in RSIT_TYPES_BY_CLASS[rsit_class]:
        raise ValidationError(
            {
                type_field: _("%(type)s is not a type of the class %(class)s.")
                % {"type": rsit_type, "class": rsit_class}
            }
        )


class HealthTag(models.TextChoices):
    """Health-sector tags an incident may carry besides its RSIT classification."""

    RANSOMWARE = "ransomware", _("Ransomware")
    MEDICAL_DEVICE = "medical_device", _("Medical device")
    PATIENT_DATA_BREACH = "patient_data_breach", _("Patient data breach")
    SATUSEHAT_SIMRS_INTEGRATION = "satusehat_simrs_integration", _("SATUSEHAT / SIMRS integration")


def validate_health_tags(tags: object) -> list[str]:
    """The tags as a sorted list without repeats; ValidationError for anything unknown."""
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationError({"health_tags": _("Give a list of tags.")})
    unknown = sorted(set(tags) - set(HealthTag.values))
    if unknown:
        raise ValidationError(
            {"health_tags": _("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)}}
        )
    return sorted(set(tags))
