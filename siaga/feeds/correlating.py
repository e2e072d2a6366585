"""Which feed events concern a value of the intelligence store? Column-wise, once per report.

An event whose source address, destination address, host or URL is an *active* indicator is stored
flagged ``intel_matched``. Active means the intelligence store would alert on it: ``alerting`` is on
(the intel actions turn it off for a value on a warninglist and for a false positive its source
reported, and an analyst may turn it back on deliberately) and ``valid_until`` has not passed.
Indicators of four types take part: IP address, CIDR network, domain name and URL.

How the values are matched:

- IPv4 addresses and networks become sorted, merged intervals (numpy arrays): a whole column of
  addresses is one ``numpy.searchsorted`` (``columns.AddressColumn.in_ranges``), as for warninglists;
- IPv6 (and any other spelling) goes through Python once per distinct value: exact addresses and
  networks (merged intervals, one ``bisect``);
- host names (``source.fqdn``) match domain indicators *exactly*, lower-cased without a trailing
  dot. A domain indicator does not flag its subdomains: the store holds parents such as dynamic-DNS
  and shared-hosting domains, whose every customer would be flagged, and an analyst who means the
  whole zone adds the subdomains (or a URL) themselves. A URL's host is not matched against domain
  indicators here: the parsers put it in ``source.fqdn`` already;
- URLs are normalized as the store normalizes them (``siaga.core.observables``) — but only those
  whose host is the host of some URL indicator (a polars string match first), so a report of a
  hundred thousand URLs normalizes a handful.

The index belongs to the CERT and spans every indicator, whoever may see it: the flag says only
"some indicator matches". Which ones is shown through ``matching_indicators(user, event)``, which
goes through ``Indicator.objects.restrict(user, "view")`` (TLP, distribution, sharing groups).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from siaga.core.observables import ObservableType, normalize, value_key
from siaga.feeds.columns import AddressColumn, address_column

FLAG = "intel_matched"
INTEL_TYPES = (
    ObservableType.IP,
    ObservableType.CIDR,
    ObservableType.DOMAIN,
    ObservableType.URL,
)
# The index is rebuilt at least this often, whatever the fingerprint says: a bulk ``update()`` of
# ``alerting`` (the MISP importer's) leaves ``updated_at`` alone and may leave the counts equal.
MAX_AGE_SECONDS = 600.0
# The host of a URL as written: after the scheme and any user information, up to the port or path.
_URL_HOST = r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]/]*\]|[^/?#:]*)"

Span = tuple[int, int]


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint intervals covering the same addresses (touching ones joined)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class IntelIndex:
    """An immutable snapshot of the active indicators' values, for matching whole columns."""

    def __init__(self, records: Iterable[tuple[str, str]], *, expires_at: datetime | None = None):
        """``records``: (type, canonical value) pairs; ``expires_at``: when the first of them
        stops being valid (the index is stale from then on)."""
        self.expires_at = expires_at
        v4: list[Span] = []
        v6: list[Span] = []
        v6_exact: set[str] = set()
        domains: set[str] = set()
        urls: set[str] = set()
        self.size = 0
        for kind, value in records:
            self.size += 1
            if kind in (ObservableType.IP, ObservableType.CIDR):
                self._add_network(kind, value, v4, v6, v6_exact)
            elif kind == ObservableType.DOMAIN:
                domains.add(value)
            elif kind == ObservableType.URL:
                urls.add(value)
        merged_v4 = _merged(v4)
        self.ipv4_starts = np.asarray([s for s, _e in merged_v4], dtype=np.uint32)
        self.ipv4_ends = np.asarray([e for _s, e in merged_v4], dtype=np.uint32)
        merged_v6 = _merged(v6)
        self._v6_starts = [s for s, _e in merged_v6]
        self._v6_ends = [e for _s, e in merged_v6]
        self.ipv6_addresses = frozenset(v6_exact)
        self.domains = frozenset(domains)
        self.urls = frozenset(urls)
        hosts = pl.Series(sorted(urls), dtype=pl.String).str.extract(_URL_HOST, 1)
        self.url_hosts = frozenset(hosts.drop_nulls().to_list())

    @staticmethod
    def _add_network(
        kind: str, value: str, v4: list[Span], v6: list[Span], v6_exact: set[str]
    ) -> None:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return  # not canonical (imported before the rules tightened): it cannot match anyway
        span = (int(network.network_address), int(network.broadcast_address))
        if network.version == 4:
            v4.append(span)
        elif kind == ObservableType.IP:
            v6_exact.add(value)
        else:
            v6.append(span)

    def is_stale(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def holds_ipv4(self, number: int) -> bool:
        position = int(np.searchsorted(self.ipv4_starts, number, side="right")) - 1
        return position >= 0 and number <= int(self.ipv4_ends[position])

    def holds_address(self, text: str) -> bool:
        """Whether an address in any spelling (IPv6, IPv4-mapped IPv6, IPv4) is an indicator's."""
        try:
            address = ipaddress.ip_address(text.strip("[]"))
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None or address.version == 4:
            return self.holds_ipv4(int(mapped or address))
        if str(address) in self.ipv6_addresses:
            return True
        number = int(address)
        position = bisect_right(self._v6_starts, number) - 1
        return position >= 0 and number <= self._v6_ends[position]


# --- Flagging a frame ---------------------------------------------------------------------------------


def flag_intel_matches(
    frame: pl.DataFrame,
    index: IntelIndex,
    *,
    addresses: dict[str, AddressColumn] | None = None,
) -> pl.DataFrame:
    """``frame`` with the bool column ``intel_matched``: source.ip, destination.ip, source.fqdn or
    source.url is the value of an active indicator (see the module's docstring). ``addresses``:
    the frame's address columns made already (``columns.address_column``)."""
    flagged = _none(frame.height)
    if index.size:
        for column in ("source.ip", "destination.ip"):
            flagged = flagged | _by_address(address_column(frame, column, addresses), index)
        flagged = flagged | _by_domain(frame.get_column("source.fqdn"), index)
        flagged = flagged | _by_url(frame.get_column("source.url"), index)
    return frame.with_columns(flagged.alias(FLAG))


def _by_address(addresses: AddressColumn, index: IntelIndex) -> pl.Series:
    _position, inside = addresses.in_ranges(index.ipv4_starts, index.ipv4_ends)
    flagged = pl.Series(FLAG, inside, dtype=pl.Boolean)
    if not addresses.others:
        return flagged
    known = {text: index.holds_address(text) for text in addresses.others}
    return flagged | _looked_up(addresses.texts, known)


def _by_domain(hosts: pl.Series, index: IntelIndex) -> pl.Series:
    if not index.domains:
        return _none(len(hosts))
    names = hosts.str.to_lowercase().str.strip_chars_end(".")
    return names.is_in(sorted(index.domains)).fill_null(False)


def _by_url(urls: pl.Series, index: IntelIndex) -> pl.Series:
    if not index.urls:
        return _none(len(urls))
    host = urls.str.extract(_URL_HOST, 1).str.to_lowercase().str.strip_chars_end(".")
    # Hosts that normalization may still turn into a listed one: non-ASCII (IDNA) and bracketed.
    maybe = host.is_in(sorted(index.url_hosts)) | host.str.contains(r"[^\x00-\x7f]|^\[")
    candidates = urls.filter(maybe.fill_null(False)).unique().to_list()
    if not candidates:
        return _none(len(urls))
    known = {text: _canonical_url(text) in index.urls for text in candidates}
    return _looked_up(urls, known)


def _canonical_url(text: str) -> str | None:
    try:
        return normalize(ObservableType.URL, text)
    except ValidationError:
        return None


def _looked_up(values: pl.Series, known: dict[str, bool]) -> pl.Series:
    return values.replace_strict(known, default=False, return_dtype=pl.Boolean).fill_null(False)


def _none(length: int) -> pl.Series:
    return pl.Series(FLAG, [False] * length, dtype=pl.Boolean)


# --- The indicators that take part, and the per-process index -----------------------------------------


def active_indicators(now: datetime | None = None) -> QuerySet:
    """Indicators of the four matched types that the store would alert on at ``now``."""
    from siaga.intel.models import Indicator

    now = now or timezone.now()
    return Indicator.objects.filter(type__in=INTEL_TYPES, alerting=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )


def build_intel_index(now: datetime | None = None) -> IntelIndex:
    now = now or timezone.now()
    active = active_indicators(now)
    expires_at = active.filter(valid_until__isnull=False).aggregate(first=Min("valid_until"))
    rows = active.order_by().values_list("type", "value").iterator(chunk_size=10_000)
    return IntelIndex(rows, expires_at=expires_at["first"])


def _fingerprint() -> tuple[Any, ...]:
    """What changes when an indicator is added, changed, deleted or taken out of alerting: one
    aggregate query, asked once per report (``current_intel_index``)."""
    from siaga.intel.models import Indicator

    found = Indicator.objects.filter(type__in=INTEL_TYPES).aggregate(
        rows=Count("pk"), alerting=Count("pk", filter=Q(alerting=True)), changed=Max("updated_at")
    )
    return (found["rows"], found["alerting"], found["changed"])


class _Snapshot:
    """This process's index, its fingerprint and when it was built."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clock = time.monotonic  # tests step it forward
        self.index: IntelIndex | None = None
        self.fingerprint: tuple[Any, ...] | None = None
        self.built_at = float("-inf")


_SNAPSHOT = _Snapshot()


def current_intel_index() -> IntelIndex:
    """This process's index, rebuilt when the indicators changed (fingerprint), when one of them
    expired, or when it is older than ``MAX_AGE_SECONDS``. Call it once per report: the check is
    one aggregate query (the warninglists' version token cannot serve here, as indicators change
    through many paths — forms, API, STIX, TAXII, MISP — that do not bump one)."""
    snapshot = _SNAPSHOT
    with snapshot.lock:
        fingerprint = _fingerprint()
        index = snapshot.index
        if (
            index is None
            or fingerprint != snapshot.fingerprint
            or index.is_stale(timezone.now())
            or snapshot.clock() - snapshot.built_at > MAX_AGE_SECONDS
        ):
            index = build_intel_index()
            snapshot.index, snapshot.fingerprint = index, fingerprint
            snapshot.built_at = snapshot.clock()
        return index


def forget_intel_index() -> None:
    """Drop this process's index (tests, after the database was swapped)."""
    with _SNAPSHOT.lock:
        _SNAPSHOT.index = None
        _SNAPSHOT.fingerprint = None
        _SNAPSHOT.built_at = float("-inf")


# --- Which indicators match one event, for one viewer ---------------------------------------------------


def event_value_keys(event: Any) -> list[str]:
    """The indicator value keys that an event's values match: its addresses, every network that
    holds them, its host name and its URL (each in the store's canonical form)."""
    keys: list[str] = []
    for address in (event.source_ip, event.destination_ip):
        if address:
            keys += _address_keys(address)
    for kind, text in (
        (ObservableType.DOMAIN, event.source_fqdn),
        (ObservableType.URL, event.source_url),
    ):
        if text:
            try:
                keys.append(value_key(kind, normalize(kind, text)))
            except ValidationError:
                continue
    return keys


def _address_keys(text: str) -> list[str]:
    try:
        canonical = normalize(ObservableType.IP, text)
    except ValidationError:
        return []
    address = ipaddress.ip_address(canonical)
    networks = (
        ipaddress.ip_network(f"{canonical}/{length}", strict=False).with_prefixlen
        for length in range(address.max_prefixlen + 1)
    )
    return [
        value_key(ObservableType.IP, canonical),
        *(value_key(ObservableType.CIDR, network) for network in networks),
    ]


def matching_indicators(user: Any, event: Any) -> QuerySet:
    """The active indicators matching the event that ``user`` may see (TLP, distribution, sharing
    group), highest confidence first: one query on the value-key index."""
    from siaga.intel.models import Indicator

    keys = event_value_keys(event)
    if not keys:
        return Indicator.objects.none()
    active = active_indicators().filter(value_key__in=keys).values("pk")
    return (
        Indicator.objects.restrict(user, "view")
        .filter(pk__in=active)
        .select_related("sharing_group")
        .order_by("-confidence", "type", "value", "pk")
    )
