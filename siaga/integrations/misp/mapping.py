"""MISP attribute types and tags against Siaga's observable types and labels, both ways.

A MISP attribute of two values (``domain|ip``, ``filename|md5``) becomes two indicators; for
``ip-dst|port`` and ``hostname|port`` only the address is an indicator (a port alone identifies
nothing). Types that name no observable (``text``, ``comment``, ``regkey``, ...) are not imported
and are counted in the import result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from siaga.core.observables import ObservableType as O
from siaga.incidents.taxonomy import class_of_type, normalize_classification
from siaga.sharing.choices import TLP

# MISP type → the observable type of each part of the value (None: that part is dropped).
ATTRIBUTE_TYPES: dict[str, tuple[str | None, ...]] = {
    "ip-src": (O.IP,),
    "ip-dst": (O.IP,),
    "ip-src|port": (O.IP, None),
    "ip-dst|port": (O.IP, None),
    "domain": (O.DOMAIN,),
    "hostname": (O.DOMAIN,),
    "hostname|port": (O.DOMAIN, None),
    "domain|ip": (O.DOMAIN, O.IP),
    "url": (O.URL,),
    "link": (O.URL,),
    "uri": (O.URL,),
    "email": (O.EMAIL,),
    "email-src": (O.EMAIL,),
    "email-dst": (O.EMAIL,),
    "email-reply-to": (O.EMAIL,),
    "md5": (O.MD5,),
    "sha1": (O.SHA1,),
    "sha256": (O.SHA256,),
    "filename": (O.FILENAME,),
    "filename|md5": (O.FILENAME, O.MD5),
    "filename|sha1": (O.FILENAME, O.SHA1),
    "filename|sha256": (O.FILENAME, O.SHA256),
    "malware-sample": (O.FILENAME, O.MD5),
    "vulnerability": (O.CVE,),
    "AS": (O.ASN,),
}

# Observable type → (MISP type, MISP category) for the feed.
FEED_TYPES: dict[str, tuple[str, str]] = {
    O.IP: ("ip-dst", "Network activity"),
    O.CIDR: ("ip-dst", "Network activity"),
    O.DOMAIN: ("domain", "Network activity"),
    O.URL: ("url", "Network activity"),
    O.EMAIL: ("email-src", "Payload delivery"),
    O.MD5: ("md5", "Payload delivery"),
    O.SHA1: ("sha1", "Payload delivery"),
    O.SHA256: ("sha256", "Payload delivery"),
    O.FILENAME: ("filename", "Payload delivery"),
    O.CVE: ("vulnerability", "External analysis"),
    O.ASN: ("AS", "Network activity"),
    O.OTHER: ("text", "Other"),
}

TLP_TAGS: dict[str, str] = {
    "tlp:white": TLP.CLEAR,
    "tlp:clear": TLP.CLEAR,
    "tlp:green": TLP.GREEN,
    "tlp:amber": TLP.AMBER,
    "tlp:amber+strict": TLP.AMBER_STRICT,
    "tlp:red": TLP.RED,
}
# The colours MISP's TLP taxonomy gives its tags, so that a subscribing MISP shows them as usual.
TLP_COLOURS: dict[str, str] = {
    TLP.CLEAR: "#ffffff",
    TLP.GREEN: "#33ff00",
    TLP.AMBER: "#ffc000",
    TLP.AMBER_STRICT: "#ffc000",
    TLP.RED: "#ff2b2b",
}

# A namespace for the uuids the feed makes up (events of indicators that did not come from MISP).
FEED_NAMESPACE = uuid.UUID("5b0f7b59-7d3e-4a55-9f0c-6a1f3c9a9e21")


@dataclass(frozen=True)
class Part:
    """One observable in a MISP attribute's value."""

    index: int
    type: str
    value: str


def split_value(misp_type: str, value: str) -> list[Part] | None:
    """The observables in an attribute's value; None when the type names no observable."""
    kinds = ATTRIBUTE_TYPES.get(misp_type)
    if kinds is None:
        return None
    if len(kinds) == 1:
        kind = kinds[0]
        if kind == O.IP and "/" in value:
            kind = O.CIDR  # MISP allows networks in ip-src/ip-dst
        return [Part(0, str(kind), value)] if kind else []
    pieces = value.rsplit("|", 1) if "|" in value else [value]
    return [
        Part(index, str(kind), piece)
        for index, (kind, piece) in enumerate(zip(kinds, pieces, strict=False))
        if kind is not None
    ]


def tlp_of(tags: tuple[str, ...] | list[str]) -> str | None:
    """The TLP 2.0 level named by a TLP tag among ``tags`` (the most restrictive if several)."""
    from siaga.sharing.choices import TLP_ORDER

    found = [TLP_TAGS[t.strip().lower()] for t in tags if t.strip().lower() in TLP_TAGS]
    return max(found, key=TLP_ORDER.index) if found else None


def is_tlp_tag(tag: str) -> bool:
    return tag.strip().lower().startswith("tlp:")


def rsit_of(tags: tuple[str, ...] | list[str]) -> str:
    """The RSIT type named by a ``rsit:<class>="<type>"`` tag (IntelMQ spellings mapped)."""
    for tag in tags:
        if not tag.lower().startswith("rsit:") or "=" not in tag:
            continue
        rsit_class, _sep, rsit_type = tag[len("rsit:") :].partition("=")
        rsit_class, rsit_type = normalize_classification(rsit_class, rsit_type.strip().strip('"'))
        if class_of_type(rsit_type):
            return rsit_type
    return ""


def tlp_tag(tlp: str) -> str:
    return f"tlp:{tlp}"
