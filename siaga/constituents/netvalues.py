"""Canonical forms of network asset values: IP ranges, AS numbers and domain names.

Every value is stored in one canonical text so that the same network written two ways is the same
row (the unique constraint relies on it) and lookups compare like with like.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import idna
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from siaga.constituents.choices import AssetKind

MAX_ASN = 4_294_967_295  # 32-bit AS numbers (RFC 6793)
MAX_DOMAIN_LENGTH = 253
_ASN = re.compile(r"(?:as)?\s*([0-9]{1,10})", re.IGNORECASE)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AssetValue:
    """A validated value with the columns that make overlap queries cheap."""

    kind: str
    value: str
    ip_version: int | None = None
    range_start: str = ""  # first address, 32 hex digits, so text order is numeric order
    range_end: str = ""
    asn: int | None = None


def address_key(number: int) -> str:
    """An address as fixed-width hex: compares as text the way it compares as a number."""
    return f"{number:032x}"


def parse_ip_range(text: str) -> IpNetwork:
    text = text.strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValidationError(
            _("Enter an IPv4 or IPv6 network such as 192.0.2.0/24 or 2001:db8::/32.")
        ) from None
    raise ValidationError(
        _("%(value)s has host bits set; did you mean the network %(network)s?")
        % {"value": text, "network": loose.with_prefixlen}
    )


def parse_asn(text: str) -> int:
    match = _ASN.fullmatch(text.strip())
    number = int(match.group(1)) if match else 0
    if not 1 <= number <= MAX_ASN:
        raise ValidationError(
            _("Enter an AS number from 1 to %(max)d, such as AS64500 or 64500.") % {"max": MAX_ASN}
        )
    return number


def normalize_domain(text: str) -> str:
    """Lower-case, IDNA-encoded, without a trailing dot; at least two valid labels."""
    text = text.strip().rstrip(".") if text.strip() != "." else ""
    if not text or any(c in text for c in "/:@?#\\ \t") or "*" in text:
        raise ValidationError(
            _("Enter a domain name only, such as rsud.example.go.id (no scheme, path or port).")
        )
    try:
        encoded = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise ValidationError(
            _("%(value)s is not a valid domain name.") % {"value": text}
        ) from None
    labels = encoded.split(".")
    if len(labels) < 2:
        raise ValidationError(_("A domain name has at least two labels, such as example.go.id."))
    if len(encoded) > MAX_DOMAIN_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(_("%(value)s is not a valid domain name.") % {"value": text})
    if labels[-1].isdigit():
        raise ValidationError(_("This looks like an IP address; choose the IP range kind."))
    return encoded


def normalize_asset_value(kind: str, text: str) -> AssetValue:
    """The canonical value of an asset of this kind; ``ValidationError`` if it is not one."""
    if kind == AssetKind.IP_RANGE:
        network = parse_ip_range(text)
        return AssetValue(
            kind=kind,
            value=network.compressed,
            ip_version=network.version,
            range_start=address_key(int(network.network_address)),
            range_end=address_key(int(network.broadcast_address)),
        )
    if kind == AssetKind.ASN:
        number = parse_asn(text)
        return AssetValue(kind=kind, value=f"AS{number}", asn=number)
    if kind == AssetKind.DOMAIN:
        return AssetValue(kind=kind, value=normalize_domain(text))
    raise ValidationError(_("Choose an IP range, an AS number or a domain."))


def parent_domains(domain: str) -> list[str]:
    """The domain and each of its parents with at least two labels: a.b.go.id → [a.b.go.id, b.go.id, go.id]."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
