"""Observables (IPs, domains, URLs, hashes, ...) and their one canonical form.

An analyst pastes values from e-mails, logs and reports, often defanged (``hxxp://evil[.]example``)
and in any case. Each value is stored in one canonical form so that the same thing written two ways
correlates: lower-case hashes, IDNA domains without a trailing dot, compressed IPv6, networks in
prefix form, URLs with a lower-case scheme and host and without a default port. A value that is not
what its type says is refused with a message saying what was expected.

Incidents use this now; the intelligence store (correlation, STIX) reuses the same types and rules.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_VALUE_LENGTH = 2048


class ObservableType(models.TextChoices):
    IP = "ip", _("IP address")
    CIDR = "cidr", _("IP network (CIDR)")
    DOMAIN = "domain", _("Domain name")
    URL = "url", _("URL")
    EMAIL = "email", _("E-mail address")
    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"
    FILENAME = "filename", _("File name")
    CVE = "cve", _("CVE identifier")
    ASN = "asn", _("AS number")
    OTHER = "other", _("Other")


_HEX_LENGTHS = {ObservableType.MD5: 32, ObservableType.SHA1: 40, ObservableType.SHA256: 64}
_HEX = re.compile(r"[0-9a-f]+")
_CVE = re.compile(r"CVE-(\d{4})-(\d{4,})")
_ASN = re.compile(r"(?:AS)?(\d{1,10})")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DEFANGS = [
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\(@\)|\[at\]|\(at\)", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"^hxxp", re.IGNORECASE), "http"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refang(text: str) -> str:
    """Undo the usual defanging: ``hxxp``, ``[.]``, ``(dot)``, ``[@]``, ``[:]``."""
    for pattern, replacement in _DEFANGS:
        text = pattern.sub(replacement, text)
    return text


def normalize(kind: str, value: str) -> str:
    """The canonical form of ``value`` as an observable of type ``kind``; ValidationError if not."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(gettext("Enter a value."))
    if len(value) > MAX_VALUE_LENGTH:
        raise ValidationError(
            gettext("A value may be at most %(max)d characters long.") % {"max": MAX_VALUE_LENGTH}
        )
    text = value.strip()
    if kind != ObservableType.FILENAME and kind != ObservableType.OTHER:
        text = refang(text)
    normalizer = _NORMALIZERS.get(kind)
    if normalizer is None:
        raise ValidationError(gettext("Unknown observable type %(type)s.") % {"type": kind})
    canonical = normalizer(text).strip()
    if not canonical:
        raise ValidationError(gettext("Enter a value."))
    return canonical


def _ip(text: str) -> str:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        raise ValidationError(
            gettext("Enter an IPv4 or IPv6 address such as 192.0.2.1 or 2001:db8::1.")
        ) from None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _cidr(text: str) -> str:
    try:
        return ipaddress.ip_network(text, strict=True).with_prefixlen
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValidationError(
            gettext("Enter a network such as 192.0.2.0/24 or 2001:db8::/32.")
        ) from None
    raise ValidationError(
        gettext("%(value)s has host bits set; did you mean the network %(network)s?")
        % {"value": text, "network": loose.with_prefixlen}
    )


def normalize_domain_name(text: str) -> str:
    """Lower-case IDNA form without a trailing dot; at least two labels, each valid."""
    name = text.strip().rstrip(".").lower()
    if not name or any(c in name for c in "/:@?#\\ \t*"):
        raise ValidationError(gettext("Enter a domain name such as example.go.id."))
    try:
        name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        # Underscores (service labels) are refused by IDNA but occur in real DNS names.
        if not name.isascii():
            raise ValidationError(
                gettext("%(value)s is not a valid domain name.") % {"value": text}
            ) from None
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(gettext("%(value)s is not a valid domain name.") % {"value": text})
    return name


def _url(text: str) -> str:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(gettext("%(value)s is not a valid URL.") % {"value": text}) from None
    if (
        not parts.scheme
        or not parts.hostname
        or not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*", parts.scheme)
    ):
        raise ValidationError(
            gettext("Enter a full URL with scheme and host, such as https://example.org/path.")
        )
    if _CONTROL.search(text) or " " in text:
        raise ValidationError(gettext("A URL cannot contain spaces or control characters."))
    scheme = parts.scheme.lower()
    host = _url_host(parts)
    default_port = {"http": 80, "https": 443, "ftp": 21}.get(scheme)
    netloc = host if port is None or port == default_port else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit(SplitResult(scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _url_host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return normalize_domain_name(host)
    return f"[{address}]" if address.version == 6 else str(address)


def _email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local or len(local) > 64 or _CONTROL.search(local) or " " in local:
        raise ValidationError(gettext("Enter an e-mail address such as name@example.org."))
    return f"{local}@{normalize_domain_name(domain)}"


def _hash(kind: ObservableType) -> Callable[[str], str]:
    length = _HEX_LENGTHS[kind]

    def normalize_hash(text: str) -> str:
        digest = text.lower()
        if len(digest) != length or not _HEX.fullmatch(digest):
            raise ValidationError(
                gettext("A %(type)s hash is %(length)d hexadecimal digits.")
                % {"type": ObservableType(kind).label, "length": length}
            )
        return digest

    return normalize_hash


def _filename(text: str) -> str:
    name = unicodedata.normalize("NFC", text)
    if _CONTROL.search(name):
        raise ValidationError(gettext("A file name cannot contain control characters."))
    return name[:255]


def _cve(text: str) -> str:
    match = _CVE.fullmatch(text.upper())
    if not match:
        raise ValidationError(gettext("Enter a CVE identifier such as CVE-2024-12345."))
    return f"CVE-{match.group(1)}-{match.group(2)}"


def _asn(text: str) -> str:
    match = _ASN.fullmatch(text.upper().replace(" ", ""))
    number = int(match.group(1)) if match else 0
    if not 1 <= number <= 4_294_967_295:
        raise ValidationError(gettext("Enter an AS number such as AS64500."))
    return f"AS{number}"


def _other(text: str) -> str:
    return _CONTROL.sub("", text)


_NORMALIZERS: dict[str, Callable[[str], str]] = {
    ObservableType.IP: _ip,
    ObservableType.CIDR: _cidr,
    ObservableType.DOMAIN: normalize_domain_name,
    ObservableType.URL: _url,
    ObservableType.EMAIL: _email,
    ObservableType.MD5: _hash(ObservableType.MD5),
    ObservableType.SHA1: _hash(ObservableType.SHA1),
    ObservableType.SHA256: _hash(ObservableType.SHA256),
    ObservableType.FILENAME: _filename,
    ObservableType.CVE: _cve,
    ObservableType.ASN: _asn,
    ObservableType.OTHER: _other,
}


def guess_type(value: str) -> str | None:
    """The first type whose rules accept the value, for pasting lists of mixed observables."""
    order = [
        ObservableType.IP,
        ObservableType.CIDR,
        ObservableType.SHA256,
        ObservableType.SHA1,
        ObservableType.MD5,
        ObservableType.CVE,
        ObservableType.URL,
        ObservableType.EMAIL,
        ObservableType.DOMAIN,
    ]
    for kind in order:
        try:
            normalize(kind, value)
        except ValidationError:
            continue
        return kind
    return None


def value_key(kind: str, canonical_value: str) -> str:
    """A fixed-length key of an observable already in canonical form, for exact lookups and
    correlation across tables (SHA-256 of ``type:value``, hex). Values of any length index well."""
    return hashlib.sha256(f"{kind}:{canonical_value}".encode()).hexdigest()
