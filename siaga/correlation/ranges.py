"""Addresses and networks as ranges in one 128-bit space, written as fixed-width hex text.

IPv4 is mapped into ``::ffff:0:0/96`` so that one comparison serves both families (an IPv4 address
is inside the IPv6 network ``::ffff:0:0/96``, as on a dual-stack host). Fixed-width lower-case hex
sorts as text exactly as the numbers do, so SQLite and PostgreSQL compare them the same way with an
ordinary index.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from siaga.core.observables import ObservableType

MAPPED_IPV4 = 0xFFFF << 32
HEX_WIDTH = 32
ALL_ONES = (1 << 128) - 1


def as_hex(number: int) -> str:
    return f"{number:0{HEX_WIDTH}x}"


def address_number(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    """The address's place in the 128-bit space (IPv4 mapped)."""
    if address.version == 4:
        return MAPPED_IPV4 | int(address)
    return int(address)


def network_bounds(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int]:
    """First and last address of the network, in the 128-bit space."""
    first = address_number(network.network_address)
    size = network.num_addresses
    return first, first + size - 1


def value_range(kind: str, canonical_value: str) -> tuple[str, str] | None:
    """The (start, end) hex pair of an IP (a point) or a CIDR; None for every other type."""
    if kind == ObservableType.IP:
        if ":" in canonical_value:
            point = as_hex(address_number(ipaddress.ip_address(canonical_value)))
        else:  # a canonical IPv4 address: the C parser, many times faster than ipaddress
            number = int.from_bytes(socket.inet_pton(socket.AF_INET, canonical_value), "big")
            point = as_hex(MAPPED_IPV4 | number)
        return point, point
    if kind == ObservableType.CIDR:
        first, last = network_bounds(ipaddress.ip_network(canonical_value))
        return as_hex(first), as_hex(last)
    return None


def containing_bounds(canonical_ip: str) -> tuple[list[str], list[str]]:
    """The starts and ends of every network (/0 to /128) that contains the address.

    A stored network contains the address exactly when its start is one of these starts and its end
    one of these ends: every start is at or below the address and every end at or above it, and a
    network's start and end are the address with its host bits cleared and set. So the lookup is
    two ``IN`` lists on an index, not an open-ended range scan over every stored network.
    """
    point = address_number(ipaddress.ip_address(canonical_ip))
    starts, ends = set(), set()
    for host_bits in range(129):
        low = (1 << host_bits) - 1
        starts.add(point & ~low)
        ends.add(point | low)
    return [as_hex(n) for n in sorted(starts)], [as_hex(n) for n in sorted(ends)]


# --- Values already in canonical form ---------------------------------------------------------------
# Feeds and imports send millions of plain values that ``normalize`` would return unchanged; parsing
# each through ipaddress and IDNA costs more than storing it. These checks recognize the common
# plain forms and return exactly what ``normalize`` would (a property test holds them to that);
# anything else (defanged, upper-case, IDN, IPv6 ...) goes through ``normalize``.

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_PLAIN_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
_LOWER_HEX = re.compile(r"[0-9a-f]+")
_HASH_LENGTHS: dict[str, int] = {
    ObservableType.MD5: 32,
    ObservableType.SHA1: 40,
    ObservableType.SHA256: 64,
}


def already_canonical(kind: str, value: str) -> str | None:
    """``value`` if it is plainly in canonical form already, else None (then normalize it)."""
    if kind == ObservableType.IP:
        return _plain_ipv4(value)
    if kind in _HASH_LENGTHS:
        is_hash = len(value) == _HASH_LENGTHS[kind] and bool(_LOWER_HEX.fullmatch(value))
        return value if is_hash else None
    if kind == ObservableType.DOMAIN:
        # normalize() also refangs a leading "hxxp"/"fxp" and decodes "xn--" labels: leave those.
        is_domain = (
            len(value) <= 253
            and bool(_PLAIN_DOMAIN.fullmatch(value))
            and "xn--" not in value
            and not value.startswith(("hxxp", "fxp"))
        )
        return value if is_domain else None
    return None


def _plain_ipv4(value: str) -> str | None:
    if ":" in value:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET, value)
    except OSError:
        return None
    return value if socket.inet_ntop(socket.AF_INET, packed) == value else None
