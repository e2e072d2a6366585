"""Is this value on a warninglist? Answered in-process from a compiled index of the enabled lists.

Every indicator and feed event is checked on entry, so ``check`` must cost microseconds. The
enabled lists are compiled once into a ``WarninglistIndex``:

- CIDR lists: per address family, every list's networks are swept into disjoint intervals, each
  carrying the lists that cover it; an IP is one ``bisect``. A network query is covered by a list
  when the list covers every address of it.
- Hostname lists: a dict from host name to lists; a domain walks its suffixes (``a.b.example.org``,
  ``b.example.org``, ``example.org``, ``org``), so a listed name covers its subdomains.
- String lists: a dict of exact values, plus a lower-cased one for host names, hashes and IPs
  (whose canonical forms are lower-case), so ``Example.ORG`` on a list still matches.
- Substring lists: one alternation of the escaped substrings per list; regex lists: one
  alternation of the patterns per list (or each pattern alone if they cannot be combined).

A URL is also checked through its host and an e-mail address through its domain, as a domain (or
IP) would be. ``matching_attributes`` decides which Siaga types a list applies to
(``choices.observable_types_for``); for the host of a URL, a list applying to URLs or to domains
counts.

``current_index()`` keeps one index per process, rebuilt when a list was loaded or toggled: each
change bumps a version in the shared cache after commit, compared at most every few seconds.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from siaga.core.observables import ObservableType
from siaga.core.snapshots import ProcessSnapshot
from siaga.warninglists.choices import ListType, observable_types_for
from siaga.warninglists.loader import host_key, regex_body

VERSION_KEY = "siaga:warninglists-version"
CHECK_EVERY_SECONDS = 2.0

T = ObservableType
# Types whose canonical form is lower-case: a string list matches them without regard to case.
_CASELESS_TYPES = frozenset(
    str(kind) for kind in (T.DOMAIN, T.IP, T.CIDR, T.MD5, T.SHA1, T.SHA256, T.EMAIL)
)
_NOTHING: tuple[int, ...] = ()
_pton = socket.inet_pton
_AF_INET, _AF_INET6 = socket.AF_INET, socket.AF_INET6


@dataclass(frozen=True)
class ListRecord:
    """What the index is built from: one enabled list and its values."""

    name: str
    type: str
    matching_attributes: list[str]
    values: list[str]


class _IntervalTable:
    """Disjoint address intervals of one family, each with the (indices of the) lists covering it."""

    def __init__(self, spans: list[tuple[int, int, int]], width: int) -> None:
        # Sweep the boundaries: +list at a span's start, -list just past its end.
        events: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for start, end, list_index in spans:
            events[start].append((list_index, 1))
            events[end + 1].append((list_index, -1))
        active: dict[int, int] = defaultdict(int)
        interned: dict[frozenset[int], tuple[int, ...]] = {}
        # Bounds as fixed-width big-endian bytes, which sort like the numbers: an address from
        # ``inet_pton`` is compared without converting it to an int first.
        self.width = width
        self.starts: list[bytes] = []
        self.ends: list[bytes] = []
        self.lists: list[tuple[int, ...]] = []
        boundaries = sorted(events)
        for position, boundary in enumerate(boundaries):
            for list_index, delta in events[boundary]:
                active[list_index] += delta
                if not active[list_index]:
                    del active[list_index]
            if active and position + 1 < len(boundaries):
                key = frozenset(active)
                self.starts.append(boundary.to_bytes(width, "big"))
                self.ends.append((boundaries[position + 1] - 1).to_bytes(width, "big"))
                self.lists.append(interned.setdefault(key, tuple(sorted(key))))

    def covering(self, first_number: int, last_number: int) -> tuple[int, ...]:
        """The lists that cover every address from first to last."""
        first = first_number.to_bytes(self.width, "big")
        last = last_number.to_bytes(self.width, "big")
        position = bisect_right(self.starts, first) - 1
        if position < 0 or self.ends[position] < first:
            return _NOTHING
        common = set(self.lists[position])
        while self.ends[position] < last and common:
            position += 1
            if position == len(self.starts) or _follows(
                self.ends[position - 1], self.starts[position]
            ):
                return _NOTHING  # a gap: some address is on no list
            common &= set(self.lists[position])
        return tuple(common)


def _follows(end: bytes, start: bytes) -> bool:
    """True if ``start`` is not the address right after ``end`` (there is a gap between them)."""
    return int.from_bytes(start, "big") != int.from_bytes(end, "big") + 1


def _parse_ip(value: str) -> tuple[int, int] | None:
    """(family, integer) of an IP address; inet_pton is several times faster than ipaddress."""
    try:
        if ":" in value:
            return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, value), "big")
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, value), "big")
    except (OSError, ValueError):
        return None


def _span(value: str) -> tuple[int, int, int]:
    """(family, first, last) of a list value; a bare address (most values) without ipaddress."""
    parsed = None if "/" in value else _parse_ip(value)
    if parsed:
        return parsed[0], parsed[1], parsed[1]
    network = ipaddress.ip_network(value, strict=False)
    return network.version, int(network.network_address), int(network.broadcast_address)


def _compile_alternation(patterns: list[str]) -> list[re.Pattern[str]]:
    try:
        return [re.compile("|".join(f"(?:{pattern})" for pattern in patterns))]
    except (re.error, RecursionError, OverflowError):
        # Global inline flags or group names repeated across patterns: compile them one by one.
        return [re.compile(pattern) for pattern in patterns]


class WarninglistIndex:
    """An immutable snapshot of the enabled lists, compiled for fast membership checks."""

    def __init__(self, records: Iterable[ListRecord]) -> None:
        self.names: list[str] = []
        self.applies: list[frozenset[str]] = []
        spans: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
        hostnames: dict[str, set[int]] = defaultdict(set)
        strings: dict[str, set[int]] = defaultdict(set)
        folded: dict[str, set[int]] = defaultdict(set)
        self._scanners: list[tuple[int, list[re.Pattern[str]]]] = []
        for index, record in enumerate(records):
            self.names.append(record.name)
            # Plain strings: ``kind in applies`` then hashes and compares the fastest way.
            self.applies.append(
                frozenset(str(kind) for kind in observable_types_for(record.matching_attributes))
            )
            if record.type == ListType.CIDR:
                for value in record.values:
                    family, first, last = _span(value)
                    spans[family].append((first, last, index))
            elif record.type == ListType.HOSTNAME:
                for value in record.values:
                    hostnames[host_key(value)].add(index)
            elif record.type == ListType.STRING:
                for value in record.values:
                    strings[value].add(index)
                    folded[value.lower()].add(index)
            elif record.type == ListType.SUBSTRING:
                self._scanners.append((index, [_substring_pattern(record.values)]))
            elif record.type == ListType.REGEX:
                self._scanners.append(
                    (index, _compile_alternation([regex_body(v) for v in record.values]))
                )
        self._tables = {4: _IntervalTable(spans[4], 4), 6: _IntervalTable(spans[6], 16)}
        self._v4, self._v6 = self._tables[4], self._tables[6]
        self._hostnames = _freeze(hostnames)
        self._strings = _freeze(strings)
        self._folded = _freeze(folded)
        self._ipv4_arrays: tuple[np.ndarray, np.ndarray] | None = None

    # --- The parts of a check, each returning list indices --------------------------------------
    # The hot paths (IPs and domains) are written flat: a call or a temporary list less is a few
    # percent of a check that costs a few microseconds.

    def _ip_hits(self, value: str) -> tuple[int, ...]:
        try:
            if ":" in value:
                table = self._v6
                address = _pton(_AF_INET6, value)
            else:
                table = self._v4
                address = _pton(_AF_INET, value)
        except (OSError, ValueError):
            return _NOTHING
        position = bisect_right(table.starts, address) - 1
        if position >= 0 and address <= table.ends[position]:
            return table.lists[position]
        return _NOTHING

    def _cidr_hits(self, value: str) -> tuple[int, ...]:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return _NOTHING
        first, last = int(network.network_address), int(network.broadcast_address)
        return self._tables[network.version].covering(first, last)

    def _host_hits(self, host: str) -> list[int]:
        """String-list hits of the name, and hostname-list hits of the name and its parents."""
        hits: list[int] = []
        found = self._folded.get(host)
        if found:
            hits.extend(found)
        get = self._hostnames.get
        while True:
            found = get(host)
            if found:
                hits.extend(found)
            dot = host.find(".")
            if dot < 0:
                return hits
            host = host[dot + 1 :]

    def _string_hits(self, kind: str, value: str) -> tuple[int, ...]:
        if kind in _CASELESS_TYPES:
            return self._folded.get(value.lower(), _NOTHING)
        return self._strings.get(value, _NOTHING)

    def _scan_hits(self, kind: str, value: str) -> list[int]:
        return [
            index
            for index, patterns in self._scanners
            if kind in self.applies[index] and any(pattern.search(value) for pattern in patterns)
        ]

    # --- Checks ----------------------------------------------------------------------------------

    def ipv4_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The IPv4 intervals covered by a CIDR list that applies to addresses, as sorted arrays
        (starts, ends) for matching a whole column at once (feed events). Built once, then kept."""
        if self._ipv4_arrays is None:
            table = self._v4
            starts, ends = [], []
            for start, end, lists in zip(table.starts, table.ends, table.lists, strict=True):
                if any("ip" in self.applies[i] for i in lists):
                    starts.append(int.from_bytes(start, "big"))
                    ends.append(int.from_bytes(end, "big"))
            self._ipv4_arrays = (
                np.asarray(starts, dtype=np.uint32),
                np.asarray(ends, dtype=np.uint32),
            )
        return self._ipv4_arrays

    def exact_values(self, kind: str) -> frozenset[str]:
        """Values of string lists that apply to ``kind`` (case as listed and lower-case)."""
        return frozenset(
            value
            for table in (self._strings, self._folded)
            for value, hits in table.items()
            if any(kind in self.applies[i] for i in hits)
        )

    def check(self, kind: str, value: str) -> list[str]:
        """Names of the lists holding ``value`` (canonical, of observable type ``kind``)."""
        if not isinstance(value, str) or not value:
            return []
        hits: Sequence[int]
        if kind == "ip":
            hits = self._ip_hits(value)
            found = self._folded.get(value)
            if found:
                hits = (*hits, *found)
        elif kind == "domain":
            hits = self._host_hits(value)
        elif kind == "cidr":
            hits = (*self._cidr_hits(value), *self._string_hits(kind, value))
        else:
            hits = self._string_hits(kind, value)
        if self._scanners:
            hits = (*hits, *self._scan_hits(kind, value))
        applies = self.applies
        matched = {i for i in hits if kind in applies[i]} if hits else set()
        if kind == "url" or kind == "email":
            matched.update(self._part_hits(kind, value))
        if not matched:
            return []
        return sorted({self.names[i] for i in matched})

    def _part_hits(self, kind: str, value: str) -> list[int]:
        """The host of a URL or domain of an e-mail address, for lists of either type."""
        host_kind, host = _host_of(kind, value)
        if not host:
            return []
        host = host.lower().rstrip(".")
        if host_kind == T.IP:
            hits = [*self._ip_hits(host), *self._folded.get(host, _NOTHING)]
        else:
            hits = self._host_hits(host)
        applies = self.applies
        return [i for i in hits if kind in applies[i] or host_kind in applies[i]]

    def check_many(self, pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
        return [self.check(kind, value) for kind, value in pairs]

    def list_count(self) -> int:
        return len(self.names)

    def interval_count(self) -> int:
        return sum(len(table.starts) for table in self._tables.values())


def _freeze(table: dict[str, set[int]]) -> dict[str, tuple[int, ...]]:
    interned: dict[frozenset[int], tuple[int, ...]] = {}
    return {
        key: interned.setdefault(frozenset(lists), tuple(sorted(lists)))
        for key, lists in table.items()
    }


def _substring_pattern(values: list[str]) -> re.Pattern[str]:
    # Longest first, so the alternation stays correct (any hit is a hit) and a little faster.
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


def _host_of(kind: str, value: str) -> tuple[str, str]:
    """(type, host) of the host inside a URL or e-mail address; ("", "") for other types."""
    if kind == T.EMAIL:
        return T.DOMAIN, value.rpartition("@")[2]
    if kind != T.URL:
        return "", ""
    rest = value.partition("://")[2]
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    if authority.startswith("["):
        return T.IP, authority[1:].partition("]")[0]
    host = authority.rpartition(":")[0] if authority.count(":") == 1 else authority
    if _parse_ip(host):
        return T.IP, host
    return T.DOMAIN, host


# --- The per-process snapshot --------------------------------------------------------------------


def build_index() -> WarninglistIndex:
    from siaga.warninglists.models import WarninglistEntry

    enabled = _enabled_lists()
    values: dict[int, list[str]] = defaultdict(list)
    rows = WarninglistEntry.objects.filter(warninglist__in=list(enabled)).values_list(
        "warninglist_id", "value"
    )
    for list_id, value in rows.iterator(chunk_size=10_000):
        values[list_id].append(value)
    return WarninglistIndex(
        ListRecord(name, kind, attributes, values[pk])
        for pk, (name, kind, attributes) in enabled.items()
    )


def _enabled_lists() -> dict[int, tuple[str, str, list[str]]]:
    from siaga.warninglists.models import Warninglist

    rows = Warninglist.objects.filter(is_enabled=True).order_by("name")
    return {
        pk: (name, kind, attributes or [])
        for pk, name, kind, attributes in rows.values_list(
            "pk", "name", "type", "matching_attributes"
        )
    }


SNAPSHOT: ProcessSnapshot[WarninglistIndex] = ProcessSnapshot(
    VERSION_KEY, lambda: build_index(), CHECK_EVERY_SECONDS
)


def lists_version() -> str:
    return SNAPSHOT.version()


def bump_version() -> None:
    """Tell every process that the lists changed (call after commit)."""
    SNAPSHOT.bump()


def current_index() -> WarninglistIndex:
    """This process's index, rebuilt when any process changed the lists."""
    return SNAPSHOT.current()


def forget_index() -> None:
    """Drop this process's index (tests, after the database was swapped)."""
    SNAPSHOT.forget()


def check(kind: str, value: str) -> list[str]:
    """Names of the enabled lists that hold ``value`` (canonical, of observable type ``kind``)."""
    return current_index().check(kind, value)


def check_many(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """``check`` for many values at once, against one snapshot."""
    return current_index().check_many(pairs)
