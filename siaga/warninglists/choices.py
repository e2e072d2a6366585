"""Vocabularies of the warninglists app: the MISP list types and how MISP attribute types map to
Siaga observable types."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import ObservableType


class ListType(models.TextChoices):
    """How a list's values are compared with an observable (the MISP ``type`` field)."""

    STRING = "string", _("Exact string")
    SUBSTRING = "substring", _("Substring")
    HOSTNAME = "hostname", _("Host name and its subdomains")
    CIDR = "cidr", _("IP networks (CIDR)")
    REGEX = "regex", _("Regular expression")


T = ObservableType

# MISP attribute types (``matching_attributes``) → the Siaga observable types they cover. Composite
# MISP types (``domain|ip``, ``ip-dst|port``) cover each of their parts; types Siaga has no
# observable for are simply ignored.
MISP_ATTRIBUTE_TYPES: dict[str, frozenset[str]] = {
    "ip-src": frozenset({T.IP, T.CIDR}),
    "ip-dst": frozenset({T.IP, T.CIDR}),
    "ip-src|port": frozenset({T.IP}),
    "ip-dst|port": frozenset({T.IP}),
    "domain|ip": frozenset({T.DOMAIN, T.IP}),
    "hostname|port": frozenset({T.DOMAIN}),
    "domain": frozenset({T.DOMAIN}),
    "hostname": frozenset({T.DOMAIN}),
    "url": frozenset({T.URL}),
    "uri": frozenset({T.URL}),
    "link": frozenset({T.URL}),
    "email": frozenset({T.EMAIL}),
    "email-src": frozenset({T.EMAIL}),
    "email-dst": frozenset({T.EMAIL}),
    "target-email": frozenset({T.EMAIL}),
    "whois-registrant-email": frozenset({T.EMAIL}),
    "md5": frozenset({T.MD5}),
    "sha1": frozenset({T.SHA1}),
    "sha256": frozenset({T.SHA256}),
    "filename|md5": frozenset({T.MD5, T.FILENAME}),
    "filename|sha1": frozenset({T.SHA1, T.FILENAME}),
    "filename|sha256": frozenset({T.SHA256, T.FILENAME}),
    "malware-sample": frozenset({T.MD5, T.FILENAME}),
    "filename": frozenset({T.FILENAME}),
    "vulnerability": frozenset({T.CVE}),
    "AS": frozenset({T.ASN}),
}

ALL_OBSERVABLE_TYPES = frozenset(ObservableType.values)


def observable_types_for(matching_attributes: list[str]) -> frozenset[str]:
    """The Siaga types a list applies to. MISP: no matching attributes means every type."""
    if not matching_attributes:
        return ALL_OBSERVABLE_TYPES
    covered: set[str] = set()
    for attribute in matching_attributes:
        covered |= MISP_ATTRIBUTE_TYPES.get(attribute, frozenset())
    return frozenset(covered)
