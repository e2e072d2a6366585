"""ASN and geolocation from MaxMind-format (``.mmdb``) databases, column-wise.

Looking an address up in the database's tree costs about a microsecond in the C extension; a
million events a second cannot afford one per event. So each database's IPv4 networks are read once
per process into sorted arrays (start, end, values) and a whole column of addresses is matched with
one ``numpy.searchsorted``. IPv6 addresses — few in today's feeds — are looked up in the tree once
per distinct value. Values a report already carries (Shadowserver gives ASN and country) are kept;
the databases fill what is missing.

The databases are configured by path (``SIAGA_MMDB_ASN``, ``SIAGA_MMDB_CITY``); a table is rebuilt
when its file changes (the operator drops in a newer release).
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import maxminddb
import numpy as np
import polars as pl
from django.conf import settings

from siaga.feeds.columns import AddressColumn, address_column

# What each kind of database gives, as harmonized fields (for source.* and destination.*).
ASN_FIELDS = {"asn": pl.Int64(), "as_name": pl.String()}
CITY_FIELDS = {
    "geolocation.cc": pl.String(),
    "geolocation.region": pl.String(),
    "geolocation.city": pl.String(),
    "geolocation.latitude": pl.Float64(),
    "geolocation.longitude": pl.Float64(),
}


def _asn_values(record: Any) -> dict[str, Any]:
    record = record if isinstance(record, dict) else {}
    return {
        "asn": record.get("autonomous_system_number"),
        "as_name": record.get("autonomous_system_organization"),
    }


def _city_values(record: Any) -> dict[str, Any]:
    record = record if isinstance(record, dict) else {}
    country = record.get("country") or record.get("registered_country") or {}
    subdivisions = record.get("subdivisions") or [{}]
    location = record.get("location") or {}
    return {
        "geolocation.cc": country.get("iso_code"),
        "geolocation.region": (subdivisions[0].get("names") or {}).get("en"),
        "geolocation.city": ((record.get("city") or {}).get("names") or {}).get("en"),
        "geolocation.latitude": location.get("latitude"),
        "geolocation.longitude": location.get("longitude"),
    }


@dataclass
class RangeTable:
    """One database's IPv4 networks as sorted, disjoint ranges with their values."""

    reader: Any  # the open database, for IPv6 lookups
    extract: Any  # record → {field: value}
    fields: dict[str, pl.DataType]
    starts: np.ndarray
    ends: np.ndarray
    values: pl.DataFrame  # one row per range

    @classmethod
    def build(cls, path: Path, extract: Any, fields: dict[str, pl.DataType]) -> RangeTable:
        reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)
        starts: list[int] = []
        ends: list[int] = []
        rows: list[dict[str, Any]] = []
        for network, record in reader:
            if network.version != 4:
                continue
            starts.append(int(network.network_address))
            ends.append(int(network.broadcast_address))
            rows.append(extract(record))
        order = np.argsort(np.asarray(starts, dtype=np.uint32), kind="stable")
        values = pl.DataFrame(rows, schema=fields) if rows else pl.DataFrame(schema=fields)
        return cls(
            reader=reader,
            extract=extract,
            fields=fields,
            starts=np.asarray(starts, dtype=np.uint32)[order],
            ends=np.asarray(ends, dtype=np.uint32)[order],
            values=values[order.tolist()] if rows else values,
        )

    def lookup(self, addresses: pl.Series | AddressColumn) -> pl.DataFrame:
        """For canonical address texts: one row of values each (nulls where nothing matched)."""
        if not isinstance(addresses, AddressColumn):
            addresses = AddressColumn(addresses)
        position, hit = addresses.in_ranges(self.starts, self.ends)
        # One gather: an address no range holds takes the row of nulls after the last range.
        found = self.padded[np.where(hit, position, self.values.height)]
        return self._with_ipv6(found, addresses)

    @functools.cached_property
    def padded(self) -> pl.DataFrame:
        """The values with one row of nulls at the end (made once per table)."""
        nulls = pl.DataFrame({name: [None] for name in self.fields}, schema=self.fields)
        return pl.concat([self.values, nulls]) if self.values.height else nulls

    def _with_ipv6(self, found: pl.DataFrame, addresses: AddressColumn) -> pl.DataFrame:
        others = addresses.others
        if not others:
            return found
        looked_up = {value: self._get(value) for value in others}
        return found.with_columns(
            pl.col(name).fill_null(
                addresses.texts.replace_strict(
                    {value: values.get(name) for value, values in looked_up.items()},
                    default=None,
                    return_dtype=dtype,
                )
            )
            for name, dtype in self.fields.items()
        )

    def _get(self, address: str) -> dict[str, Any]:
        try:
            record = self.reader.get(ipaddress.ip_address(address))
        except ValueError:
            return {}
        return self.extract(record) if record else {}


class _Tables:
    """This process's tables, rebuilt when a configured file changes (size or modification time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, tuple[tuple[str, int, int], RangeTable]] = {}

    def get(self, kind: str) -> RangeTable | None:
        setting = "SIAGA_MMDB_ASN" if kind == "asn" else "SIAGA_MMDB_CITY"
        configured = getattr(settings, setting, "") or ""
        if not configured:
            return None
        path = Path(configured)
        try:
            stat = path.stat()
        except OSError:
            return None  # a system check reports a configured file that is missing
        signature = (str(path), stat.st_size, int(stat.st_mtime_ns))
        with self._lock:
            built = self._built.get(kind)
            if built is None or built[0] != signature:
                if kind == "asn":
                    table = RangeTable.build(path, _asn_values, ASN_FIELDS)
                else:
                    table = RangeTable.build(path, _city_values, CITY_FIELDS)
                built = (signature, table)
                self._built[kind] = built
            return built[1]


TABLES = _Tables()


# The field that says which network a group of values describes: the database fills the others only
# where the event has no such value or the same one (an AS name beside another AS number would lie).
GROUP_KEYS = {"asn": "asn", "city": "geolocation.cc"}


def enrich(
    frame: pl.DataFrame,
    *,
    sides: tuple[str, ...] = ("source", "destination"),
    addresses: dict[str, AddressColumn] | None = None,
) -> pl.DataFrame:
    """Fill missing ASN, AS name and geolocation of each side's ``ip`` from the databases.

    ``addresses``: address columns by name (``AddressColumn``: their numbers computed once); the
    ones missing are made here and added to it, so the caller can hand the same dictionary to
    ``attribute``."""
    addresses = {} if addresses is None else addresses
    tables = [
        (table, key) for kind, key in GROUP_KEYS.items() if (table := TABLES.get(kind)) is not None
    ]
    if not tables:
        return frame
    fills: list[pl.Expr] = []
    for side in sides:
        address = f"{side}.ip"
        if address not in frame.columns:
            continue
        if frame.get_column(address).null_count() == frame.height:
            continue
        column = address_column(frame, address, addresses)
        for table, key in tables:
            fills.extend(_fills(table.lookup(column), side, key))
    # Both sides and both databases in one step: the columns each fill are distinct.
    return frame.with_columns(fills) if fills else frame


def _fills(found: pl.DataFrame, side: str, key: str) -> list[pl.Expr]:
    own_key = pl.col(f"{side}.{key}")
    found_key = pl.lit(found.get_column(key))
    agrees = own_key.is_null() | (own_key == found_key)
    return [
        pl.col(f"{side}.{name}")
        .fill_null(pl.when(agrees).then(pl.lit(found.get_column(name))))
        .alias(f"{side}.{name}")
        for name in found.columns
    ]
