"""Who owns this IP address, domain or AS number? Answered in-process from the registry.

The feed pipeline asks this for every event, so an ``OwnershipIndex`` is an immutable snapshot
built once from the registered assets of active organizations:

- IP addresses: per address family, the nested prefixes are flattened into disjoint intervals,
  each carrying its most specific owner(s); a lookup is one ``bisect`` (O(log n)), whatever the
  prefix lengths. Identical ranges held by two organizations give both owners.
- Domains: the most specific registered suffix wins (``a.b.rsud.go.id`` → ``rsud.go.id``).
- AS numbers: exact.

``current_index()`` keeps one snapshot per process and rebuilds it when the registry changed: every
change bumps a version in the shared cache after commit, and the version is compared at most once
a second, so a worker doing a million lookups does not ask the cache each time.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
from django.core.exceptions import ValidationError

from siaga.constituents.choices import REGISTERED_STATUSES, AssetKind
from siaga.constituents.netvalues import MAX_ASN, normalize_domain
from siaga.core.snapshots import ProcessSnapshot

VERSION_KEY = "siaga:registry-version"
CHECK_EVERY_SECONDS = 1.0

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_ASN_TEXT = re.compile(r"(?:as)?([0-9]{1,10})", re.IGNORECASE)


@dataclass(frozen=True)
class Owner:
    """One organization owning a value, and the registered asset that matched."""

    organization_id: int
    organization_name: str
    matched_kind: str
    matched_value: str


@dataclass(frozen=True)
class AssetRecord:
    """What the index is built from: one registered asset of one organization."""

    organization_id: int
    organization_name: str
    kind: str
    value: str


@dataclass(frozen=True)
class Query:
    """A looked-up value after detection: its kind (ip, asn, domain, url, email) and its key."""

    kind: str
    key: str | int | IpAddress


class _IntervalTable:
    """Disjoint address intervals of one family, each with the owners of its most specific prefix."""

    def __init__(self, networks: dict[tuple[int, int], tuple[Owner, ...]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        owners: list[tuple[Owner, ...]] = []

        def emit(start: int, end: int, who: tuple[Owner, ...]) -> None:
            if start <= end:
                starts.append(start)
                ends.append(end)
                owners.append(who)

        # CIDR prefixes are either nested or disjoint, so a sweep with a stack of the enclosing
        # prefixes cuts them into intervals: each piece belongs to the innermost open prefix.
        ordered = sorted(networks.items(), key=lambda item: (item[0][0], -item[0][1]))
        stack: list[tuple[int, int, tuple[Owner, ...]]] = []
        cursor = 0
        for (start, end), who in ordered:
            while stack and stack[-1][1] < start:
                _, top_end, top_owners = stack.pop()
                emit(cursor, top_end, top_owners)
                cursor = top_end + 1
            if stack:
                emit(cursor, start - 1, stack[-1][2])
            cursor = start
            stack.append((start, end, who))
        while stack:
            _, top_end, top_owners = stack.pop()
            emit(cursor, top_end, top_owners)
            cursor = top_end + 1
        self.starts, self.ends, self.owners = starts, ends, owners

    def find(self, address: int) -> tuple[Owner, ...]:
        position = bisect_right(self.starts, address) - 1
        if position >= 0 and address <= self.ends[position]:
            return self.owners[position]
        return ()

    def __len__(self) -> int:
        return len(self.starts)


class OwnershipIndex:
    """An immutable snapshot of who owns which addresses, domains and AS numbers."""

    def __init__(self, records: Iterable[AssetRecord]) -> None:
        networks: dict[int, dict[tuple[int, int], list[Owner]]] = {4: {}, 6: {}}
        domains: dict[str, list[Owner]] = defaultdict(list)
        asns: dict[int, list[Owner]] = defaultdict(list)
        for record in records:
            owner = Owner(
                record.organization_id, record.organization_name, record.kind, record.value
            )
            if record.kind == AssetKind.IP_RANGE:
                network = ipaddress.ip_network(record.value)
                span = (int(network.network_address), int(network.broadcast_address))
                networks[network.version].setdefault(span, []).append(owner)
            elif record.kind == AssetKind.DOMAIN:
                domains[record.value].append(owner)
            elif record.kind == AssetKind.ASN:
                asns[int(record.value.removeprefix("AS"))].append(owner)
        self._tables = {
            version: _IntervalTable({span: _sorted(who) for span, who in table.items()})
            for version, table in networks.items()
        }
        self._domains = {domain: _sorted(who) for domain, who in domains.items()}
        self._asns = {asn: _sorted(who) for asn, who in asns.items()}
        self._ipv4_arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def owners_of_ip(self, address: str | IpAddress) -> list[Owner]:
        if isinstance(address, str):
            try:
                address = ipaddress.ip_address(address.strip())
            except ValueError:
                return []
        return list(self._tables[address.version].find(int(address)))

    def owners_of_domain(self, domain: str) -> list[Owner]:
        try:
            name = normalize_domain(domain)
        except ValidationError:
            return []
        labels = name.split(".")
        for first in range(len(labels) - 1):  # most specific suffix first
            owners = self._domains.get(".".join(labels[first:]))
            if owners:
                return list(owners)
        return []

    def owners_of_asn(self, asn: int) -> list[Owner]:
        return list(self._asns.get(asn, ()))

    def owners_of(self, value: str) -> list[Owner]:
        """Owners of an IP, AS number, domain, URL or e-mail address; [] for anything else."""
        try:
            query = classify(value)
        except ValueError:
            return []
        return self.owners_of_query(query)

    def owners_of_query(self, query: Query) -> list[Owner]:
        if isinstance(query.key, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return self.owners_of_ip(query.key)
        if isinstance(query.key, int):
            return self.owners_of_asn(query.key)
        return self.owners_of_domain(query.key)

    def interval_count(self) -> int:
        return sum(len(table) for table in self._tables.values())

    def ipv4_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The IPv4 intervals as arrays (starts, ends, owning organization), for matching a whole
        column of addresses at once (``numpy.searchsorted``). Where two organizations hold the
        same range, the first by name stands for both. Built on first use, then kept."""
        if self._ipv4_arrays is None:
            table = self._tables[4]
            self._ipv4_arrays = (
                np.asarray(table.starts, dtype=np.uint32),
                np.asarray(table.ends, dtype=np.uint32),
                np.asarray([who[0].organization_id for who in table.owners], dtype=np.int64),
            )
        return self._ipv4_arrays

    def asn_owner_ids(self) -> dict[int, int]:
        """Registered AS number → owning organization (the first by name where several)."""
        return {asn: who[0].organization_id for asn, who in self._asns.items() if who}


def _sorted(owners: list[Owner]) -> tuple[Owner, ...]:
    return tuple(sorted(owners, key=lambda o: (o.organization_name, o.organization_id)))


def _host_query(kind: str, host: str) -> Query:
    host = host.strip().strip("[]")
    try:
        return Query(kind, ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return Query(kind, normalize_domain(host))
    except ValidationError:
        raise ValueError(host) from None


def classify(value: str) -> Query:
    """What a pasted value is: an IP address, AS number, domain, URL or e-mail address.

    URLs and e-mail addresses are looked up by their host. ``ValueError`` for anything else.
    """
    text = value.strip()
    if not text or len(text) > 2048:
        raise ValueError(value)
    try:
        return Query("ip", ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    asn = _ASN_TEXT.fullmatch(text)
    if asn:
        number = int(asn.group(1))
        if not 1 <= number <= MAX_ASN:
            raise ValueError(value)
        return Query("asn", number)
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            host = None
        if not host:
            raise ValueError(value)
        return _host_query("url", host)
    if "@" in text:
        return _host_query("email", text.rpartition("@")[2])
    return _host_query("domain", text)


# --- The process-wide snapshot ------------------------------------------------------------------


def build_index() -> OwnershipIndex:
    """A fresh snapshot of the registered assets of active organizations."""
    from siaga.constituents.models import NetworkAsset

    rows = NetworkAsset.objects.filter(
        status__in=REGISTERED_STATUSES, organization__is_active=True
    ).values_list("organization_id", "organization__name", "kind", "value")
    return OwnershipIndex(AssetRecord(*row) for row in rows.iterator(chunk_size=5000))


SNAPSHOT: ProcessSnapshot[OwnershipIndex] = ProcessSnapshot(
    VERSION_KEY, lambda: build_index(), CHECK_EVERY_SECONDS
)


def registry_version() -> str:
    return SNAPSHOT.version()


def bump_registry_version() -> None:
    """Tell every process that the registry changed (call after commit)."""
    SNAPSHOT.bump()


def current_index() -> OwnershipIndex:
    """This process's snapshot, rebuilt when another process (or this one) changed the registry."""
    return SNAPSHOT.current()


def forget_index() -> None:
    """Drop this process's snapshot (tests, after the database was swapped)."""
    SNAPSHOT.forget()
