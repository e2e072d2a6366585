"""Column-wise checks and conversions shared by the parsers and the enrichment (polars, no row loops).

Dotted IPv4 addresses — nearly every event — are checked and converted in polars expressions; the
few other values (IPv6, odd spellings) go through ``ipaddress`` once per distinct value.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

# Four decimal octets without leading zeros (``ipaddress`` refuses "010.0.0.1" as ambiguous, so do we).
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4_PATTERN = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"
PLACEHOLDERS = ("", "n/a", "na", "none", "null", "-", "nil")
TRUE_WORDS = ("y", "yes", "true", "t", "1")
FALSE_WORDS = ("n", "no", "false", "f", "0")
# Labels of letters, digits, '-' and '_'; the last one not all digits, so that an IPv4 address is
# not taken for a host name.
FQDN_PATTERN = (
    r"^([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_-]{0,62}[a-z_-][a-z0-9_-]{0,62}$"
)


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Trimmed text, with empty strings as null."""
    text = expr.str.strip_chars()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)


def canonical_ips(values: pl.Series) -> pl.Series:
    """Each value as a canonical IP address text (IPv6 compressed), null where it is not one."""
    text = values.cast(pl.String).str.strip_chars()
    is_v4 = text.str.contains(IPV4_PATTERN).fill_null(False)
    others = text.filter(~is_v4 & text.is_not_null()).unique()
    if others.len() == 0:
        return pl.select(pl.when(is_v4).then(text).otherwise(None)).to_series().alias(values.name)
    mapping = {value: canonical_ip(value) for value in others.to_list()}
    mapped = text.replace_strict(mapping, default=None, return_dtype=pl.String)
    return pl.select(pl.when(is_v4).then(text).otherwise(mapped)).to_series().alias(values.name)


def canonical_ip(value: str) -> str | None:
    """One address text (trimmed) in canonical form; None where it is not an address."""
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        return None


def ipv4_numbers(canonical: pl.Series) -> pl.Series:
    """The 32-bit number of each canonical IPv4 address; null for IPv6 and nulls."""
    parts = canonical.str.split_exact(".", 3)
    frame = parts.struct.unnest()
    octets = [frame.get_column(name).cast(pl.UInt32, strict=False) for name in frame.columns]
    number = octets[0] * 16_777_216 + octets[1] * 65_536 + octets[2] * 256 + octets[3]
    return number.alias(canonical.name)


def canonical_networks(values: pl.Series) -> pl.Series:
    """CIDR networks in canonical form (host bits cleared), null where a value is not one."""
    text = values.cast(pl.String).str.strip_chars()
    distinct = text.drop_nulls().unique().to_list()
    mapping = {value: canonical_network(value) for value in distinct}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(values.name)


def canonical_network(value: str) -> str | None:
    """One CIDR network text (trimmed) in canonical form; None where it is not one."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        return None


def _positions(
    values: np.ndarray, present: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For 32-bit address numbers (``present``: which are addresses) and sorted disjoint ranges:
    (index of the range holding each address, whether one does) — one ``numpy.searchsorted``
    for the whole column."""
    if not len(starts):
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    position = np.searchsorted(starts, values, side="right") - 1
    clipped = np.clip(position, 0, len(starts) - 1)
    inside = present & (position >= 0) & (values <= ends[clipped])
    return clipped, inside


@dataclass(frozen=True)
class AddressColumn:
    """A column of canonical address texts with what matching it needs, computed once per column
    and shared by the enrichment (two databases) and the attribution: the addresses' 32-bit
    numbers, which of them are IPv4, and the distinct other addresses (IPv6), each of which is
    looked up one by one. Computing these per lookup cost ~3 ms a chunk each time."""

    texts: pl.Series

    @cached_property
    def numbers(self) -> pl.Series:
        """``ipv4_numbers`` of the texts (null for IPv6 and nulls)."""
        return ipv4_numbers(self.texts)

    @cached_property
    def _matchable(self) -> tuple[np.ndarray, np.ndarray]:
        numbers = self.numbers
        return (
            numbers.fill_null(0).to_numpy().astype(np.uint32),
            numbers.is_not_null().to_numpy(),
        )

    @cached_property
    def others(self) -> list[str]:
        """The distinct addresses that are not IPv4 (IPv6), in no particular order."""
        return (
            self.texts.filter(self.numbers.is_null() & self.texts.is_not_null()).unique().to_list()
        )

    def in_ranges(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted, disjoint ranges: (index of the range holding each IPv4 address, whether
        one does)."""
        values, is_ipv4 = self._matchable
        return _positions(values, is_ipv4, starts, ends)


def address_column(
    frame: pl.DataFrame, name: str, made: dict[str, AddressColumn] | None = None
) -> AddressColumn:
    """The frame's address column ``name``, from ``made`` (the columns one frame's steps share:
    enrichment, attribution, warninglists, intelligence) or made now and kept there."""
    if made is None:
        return AddressColumn(frame.get_column(name))
    if name not in made:
        made[name] = AddressColumn(frame.get_column(name))
    return made[name]
