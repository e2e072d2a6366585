"""Seeded test data for the feed benchmarks: a constituent registry and Shadowserver reports.

The feed pipeline has to read a day of Shadowserver reports (millions of rows), quarantine what it
cannot read, drop repeats and attribute every address to its constituents. This module writes
inputs of any size for that, from a seed, so a benchmark figure can be reproduced:

- ``constituent_networks``: (organization, CIDR) pairs, mostly IPv4 /22../29 in APNIC space (some
  nested inside others), some IPv6 /48, about ten per organization.
- ``write_shadowserver_report``: a report CSV in the column layout of the matching public sample in
  ``../shared/data/shadowserver``, written in chunks with numpy and polars (never the whole file in
  memory), with a known share of addresses inside the constituents' networks, of repeated
  findings and of malformed rows.

Same seed, arguments and library versions: same bytes.

    .venv/bin/python -m benchmarks.feeds.generate --rows 10000000 --cidrs 50000 --out /tmp/feeds --seed 1
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import platform
import resource
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import polars as pl

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

INSIDE_SHARE = 0.60  # findings whose address is in a constituent network
DUPLICATE_SHARE = 0.10  # findings that repeat an earlier one (same address, port and tag)
MALFORMED_SHARE = 0.001  # rows the parser must quarantine
CHUNK_ROWS = 200_000  # peak RSS about 0.7 GB with the widest layout (scan_ftp), whatever the rows
CARRY_ROWS = 20_000  # earlier findings kept so that repeats also cross chunk boundaries
REPORT_DAY = date(2026, 1, 15)

NETWORKS_PER_ORGANIZATION = 10
# Networks inside another constituent's network (a clinic in a province's block).
NESTED_SHARE = 0.10
IPV6_SHARE = 0.05
IPV4_PREFIXES = np.arange(22, 30)
IPV4_PREFIX_WEIGHTS = np.array([0.05, 0.08, 0.20, 0.12, 0.15, 0.15, 0.15, 0.10])
# /8 blocks IANA allocated to APNIC, the registry Indonesian networks are numbered from.
APNIC_FIRST_OCTETS = np.concatenate(
    [
        [14, 27, 36, 39, 42, 49, 58, 59, 60, 61, 101, 103, 106],
        np.arange(110, 127),
        [175, 180, 182, 183, 202, 203, 210, 211],
        np.arange(218, 224),
    ]
).astype(np.int64)
# IPv4 special-purpose blocks (IANA registry, RFC 6890 and successors), sorted and disjoint: no
# generated network or "random public" address may fall in one.
RESERVED_IPV4 = [
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
    )
]
RESERVED_STARTS = np.array([int(n.network_address) for n in RESERVED_IPV4], dtype=np.int64)
RESERVED_ENDS = np.array([int(n.broadcast_address) for n in RESERVED_IPV4], dtype=np.int64)
PUBLIC_LOW, PUBLIC_HIGH = 1 << 24, 224 << 24  # 1.0.0.0 up to (not including) 224.0.0.0

# Autonomous system numbers reserved for documentation (RFC 5398): inside and outside findings are
# told apart at a glance, and no real network is named.
INSIDE_ASNS = list(range(64496, 64512))
OUTSIDE_ASNS = list(range(65536, 65552))
INSIDE_LOCATIONS = [
    ("ID", "DKI JAKARTA", "JAKARTA"),
    ("ID", "JAWA BARAT", "BANDUNG"),
    ("ID", "JAWA TENGAH", "SEMARANG"),
    ("ID", "JAWA TIMUR", "SURABAYA"),
    ("ID", "SUMATERA UTARA", "MEDAN"),
    ("ID", "SULAWESI SELATAN", "MAKASSAR"),
    ("ID", "BALI", "DENPASAR"),
    ("ID", "DAERAH ISTIMEWA YOGYAKARTA", "YOGYAKARTA"),
    ("ID", "KALIMANTAN TIMUR", "SAMARINDA"),
    ("ID", "PAPUA", "JAYAPURA"),
]
OUTSIDE_LOCATIONS = [
    ("JP", "TOKYO", "TOKYO"),
    ("US", "CALIFORNIA", "LOS ANGELES"),
    ("US", "VIRGINIA", "ASHBURN"),
    ("DE", "HESSEN", "FRANKFURT AM MAIN"),
    ("SG", "SINGAPORE", "SINGAPORE"),
    ("MY", "WILAYAH PERSEKUTUAN KUALA LUMPUR", "KUALA LUMPUR"),
    ("NL", "NOORD-HOLLAND", "AMSTERDAM"),
    ("BR", "SAO PAULO", "SAO PAULO"),
    ("IN", "MAHARASHTRA", "MUMBAI"),
    ("FR", None, "SAINT-OUEN-LAUMONE"),  # Shadowserver leaves the region empty at times
]
LOCATIONS = INSIDE_LOCATIONS + OUTSIDE_LOCATIONS
HOSTNAME_SUFFIXES = ["static.example.net", "dyn.example.com", "cust.example.org", "rs.example"]
# NAICS: hospitals (622110), medical laboratories (621511), telecoms and hosting; 0 is "unknown".
INSIDE_NAICS = [622110, 621511, 621111, 517311, 0]
OUTSIDE_NAICS = [517311, 518111, 518210, 0]
SIC_CODES = [737401, 737415, 0]
SECTORS = ["Communications, Service Provider, and Hosting Service", "Health Care", None]

# Values that make a row unreadable, one kind of damage after the other.
BAD_ADDRESSES = ["256.12.7.1", "10.1.2", "not-an-address", "1.2.3.4.5", "36.1.2.-3", ""]
BAD_TIMESTAMPS = ["2026-01-15 25:61:00", "2026-02-30 10:00:00", "yesterday", "", "15/01/2026"]
DAMAGE_KINDS = ("address", "timestamp", "columns")


def _header(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The header rows of the public samples, column for column (the test compares them with the files).
SCAN_FTP_HEADER = _header(
    """timestamp ip protocol port hostname tag asn geo region city naics sic banner handshake
    cipher_suite cert_length subject_common_name issuer_common_name cert_issue_date
    cert_expiration_date sha1_fingerprint cert_serial_number ssl_version signature_algorithm
    key_algorithm subject_organization_name subject_organization_unit_name subject_country
    subject_state_or_province_name subject_locality_name subject_street_address
    subject_postal_code subject_surname subject_given_name subject_email_address
    subject_business_category subject_serial_number issuer_organization_name
    issuer_organization_unit_name issuer_country issuer_state_or_province_name
    issuer_locality_name issuer_street_address issuer_postal_code issuer_surname
    issuer_given_name issuer_email_address issuer_business_category issuer_serial_number
    sha256_fingerprint sha512_fingerprint md5_fingerprint cert_valid self_signed cert_expired
    validation_level auth_tls_response auth_ssl_response tlsv13_support tlsv13_cipher jarm
    device_vendor device_type device_model device_version device_sector"""
)
SCAN_HTTP_HEADER = _header(
    """timestamp ip protocol port hostname tag asn geo region city naics sic http http_code
    http_reason content_type connection www_authenticate set_cookie server content_length
    transfer_encoding http_date"""
)
# Shadowserver: the Microsoft sinkhole report "is the same as the Sinkhole HTTP Events Report";
# the public sample is of the Microsoft one.
SINKHOLE_HTTP_HEADER = _header(
    """timestamp protocol src_ip src_port src_asn src_geo src_region src_city src_hostname
    src_naics src_sector device_vendor device_type device_model dst_ip dst_port dst_asn dst_geo
    dst_region dst_city dst_hostname dst_naics dst_sector public_source infection family tag
    application version event_id http_url http_host http_agent forwarded_by ssl_cipher
    http_referer"""
)
# Which column carries each attribute of the host a finding is about.
SCAN_HOST = {
    "ip": "ip",
    "port": "port",
    "hostname": "hostname",
    "asn": "asn",
    "geo": "geo",
    "region": "region",
    "city": "city",
    "naics": "naics",
    "sic": "sic",
}
SINKHOLE_HOST = {role: f"src_{role}" for role in SCAN_HOST if role != "sic"} | {
    "sector": "src_sector"
}


# --------------------------------------------------------------------------- constituents


def constituent_networks(count: int = 50_000, seed: int = 1) -> list[tuple[int, str]]:
    """``count`` distinct (organization number, CIDR) pairs, sorted by organization: IPv4 /22../29
    in APNIC space (10% nested inside another network), 5% IPv6 /48 in 2400::/12, about one
    organization per ten networks (every number from 1 up to that is used)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    rng = np.random.default_rng([seed, _label("constituents")])
    cidrs: dict[str, None] = {}  # insertion-ordered set: duplicates of a draw are drawn again
    while len(cidrs) < count:
        cidrs.update(dict.fromkeys(_draw_networks(rng, count - len(cidrs) + 8)))
    chosen = list(cidrs)[:count]
    organizations = _organizations(rng, count)
    order = np.lexsort((np.arange(count), organizations))
    return [(int(organizations[i]), chosen[i]) for i in order]


def write_constituents_csv(path: str | Path, networks: Sequence[tuple[int, str]]) -> None:
    """The registry as CSV: ``organization,network``, one network a row."""
    frame = pl.DataFrame(
        {"organization": [org for org, _ in networks], "network": [n for _, n in networks]},
        schema={"organization": pl.Int64, "network": pl.String},
    )
    frame.write_csv(Path(path))


def _label(text: str) -> int:
    """A stable number for a name, to derive independent random streams from one seed."""
    return zlib.crc32(text.encode())


def _draw_networks(rng: np.random.Generator, count: int) -> list[str]:
    ipv6 = round(count * IPV6_SHARE)
    nested = round(count * NESTED_SHARE)
    starts, prefixes = _top_networks(rng, max(1, count - ipv6 - nested))
    inner_starts, inner_prefixes = _nested_networks(rng, nested, starts, prefixes)
    ipv4 = _cidr_text(
        np.concatenate([starts, inner_starts]), np.concatenate([prefixes, inner_prefixes])
    )
    return ipv4 + _ipv6_networks(rng, ipv6)


def _top_networks(rng: np.random.Generator, count: int) -> tuple[Ints, Ints]:
    """Aligned IPv4 networks in APNIC blocks, redrawn until none touches a reserved block."""
    prefixes = rng.choice(IPV4_PREFIXES, size=count, p=IPV4_PREFIX_WEIGHTS).astype(np.int64)
    sizes = np.left_shift(1, 32 - prefixes)
    starts = np.empty(count, dtype=np.int64)
    todo = np.arange(count)
    while todo.size:
        first = rng.choice(APNIC_FIRST_OCTETS, size=todo.size)
        raw = (first << 24) | rng.integers(0, 1 << 24, size=todo.size)
        starts[todo] = raw & ~(sizes[todo] - 1)
        clash = _overlaps(
            starts[todo], starts[todo] + sizes[todo] - 1, RESERVED_STARTS, RESERVED_ENDS
        )
        todo = todo[clash]
    return starts, prefixes


def _nested_networks(
    rng: np.random.Generator, count: int, starts: Ints, prefixes: Ints
) -> tuple[Ints, Ints]:
    """Networks inside a random one of ``starts`` (one that has room for a /29 or longer)."""
    parents = np.flatnonzero(prefixes <= 28)
    if count == 0 or parents.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    parent = rng.choice(parents, size=count)
    outer = prefixes[parent]
    inner = rng.integers(outer + 1, 30)
    slot = rng.integers(0, np.left_shift(1, inner - outer))
    return starts[parent] + slot * np.left_shift(1, 32 - inner), inner


def _ipv6_networks(rng: np.random.Generator, count: int) -> list[str]:
    """/48s in 2400::/12 (APNIC). Non-zero groups keep the text canonical (RFC 5952) without work."""
    first = 0x2400 + rng.integers(0, 16, size=count)
    second = rng.integers(1, 1 << 16, size=count)
    third = rng.integers(1, 1 << 16, size=count)
    return [f"{a:x}:{b:x}:{c:x}::/48" for a, b, c in zip(first, second, third, strict=True)]


def _organizations(rng: np.random.Generator, count: int) -> Ints:
    total = max(1, round(count / NETWORKS_PER_ORGANIZATION))
    organizations = rng.integers(1, total + 1, size=count)
    head = min(total, count)
    organizations[:head] = rng.permutation(total)[:head] + 1  # every organization holds one
    return organizations


def _cidr_text(starts: Ints, prefixes: Ints) -> list[str]:
    frame = pl.DataFrame({"start": starts, "prefix": prefixes})
    text = frame.select(pl.concat_str([_dotted(pl.col("start")), pl.col("prefix")], separator="/"))
    return text.to_series().to_list()


def _dotted(address: pl.Expr) -> pl.Expr:
    """IPv4 integers as dotted quads, column at a time."""
    octets = [address // 16_777_216, address // 65_536 % 256, address // 256 % 256, address % 256]
    return pl.concat_str([o.cast(pl.String) for o in octets], separator=".")


def _overlaps(starts: Ints, ends: Ints, block_starts: Ints, block_ends: Ints) -> Bools:
    """Whether each [start, end] overlaps one of the sorted, disjoint blocks. The only candidate is
    the last block starting at or before ``end``: any earlier one ends before that one starts."""
    last = np.searchsorted(block_starts, ends, side="right") - 1
    hit = last >= 0
    result = np.zeros(starts.shape, dtype=np.bool_)
    result[hit] = block_ends[last[hit]] >= starts[hit]
    return result


# --------------------------------------------------------------------------- address space


@dataclass(frozen=True)
class NetworkSpace:
    """The IPv4 addresses the constituents hold, as sorted disjoint intervals (nested and touching
    networks merged) numbered 0 .. size-1 in order. Positions, not network indexes, are what a
    finding draws: distinct positions are distinct addresses even where networks nest."""

    starts: Ints
    ends: Ints  # inclusive
    offsets: Ints  # addresses in the intervals before each one; offsets[-1] is the size

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    def address_at(self, positions: Ints) -> tuple[Ints, Ints]:
        """The address at each position, and the index of its interval."""
        interval = np.searchsorted(self.offsets, positions, side="right") - 1
        return self.starts[interval] + positions - self.offsets[interval], interval

    def contains(self, addresses: Ints) -> Bools:
        return _overlaps(addresses, addresses, self.starts, self.ends)


def network_space(networks: Sequence[tuple[int, str]]) -> NetworkSpace:
    """The merged IPv4 space of ``networks`` (IPv6 ones are left out: the reports are IPv4)."""
    starts, ends = _ipv4_ranges([cidr for _, cidr in networks])
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    if starts.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return NetworkSpace(empty, empty, np.zeros(1, dtype=np.int64))
    reach = np.maximum.accumulate(ends)
    begins = np.ones(starts.size, dtype=np.bool_)
    begins[1:] = starts[1:] > reach[:-1] + 1  # a gap before it: a new interval
    first = np.flatnonzero(begins)
    merged_starts = starts[first]
    merged_ends = np.maximum.reduceat(ends, first)
    sizes = merged_ends - merged_starts + 1
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sizes)])
    return NetworkSpace(merged_starts, merged_ends, offsets)


def _ipv4_ranges(cidrs: Sequence[str]) -> tuple[Ints, Ints]:
    """First and last address of each IPv4 CIDR, column at a time (IPv6 ones, with a colon, are
    skipped). Strict: host bits set, an octet over 255 or a bad shape raise ValueError."""
    text = pl.Series("cidr", cidrs, dtype=pl.String)
    text = text.filter(~text.str.contains(":", literal=True))
    pattern = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$"
    parts = text.str.extract_groups(pattern).struct.unnest().cast(pl.Int64)
    unmatched = parts.get_column(parts.columns[0]).is_null().to_numpy()
    parts = parts.fill_null(0)
    octets = parts.select(pl.nth(range(4))).to_numpy()
    prefix = parts.get_column(parts.columns[4]).to_numpy()
    size = np.left_shift(1, 32 - np.clip(prefix, 0, 32))
    start = octets @ np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)
    bad = unmatched | (octets > 255).any(axis=1) | (prefix > 32) | (start % size != 0)
    if bad.any():
        raise ValueError(f"not an IPv4 network: {text.filter(pl.Series(bad))[0]!r}")
    return start, start + size - 1


def _public_ipv4(rng: np.random.Generator, count: int, space: NetworkSpace) -> Ints:
    """Random public unicast addresses outside every constituent network (redrawn until so)."""
    addresses = np.empty(count, dtype=np.int64)
    todo = np.arange(count)
    while todo.size:
        draw = rng.integers(PUBLIC_LOW, PUBLIC_HIGH, size=todo.size)
        addresses[todo] = draw
        bad = _overlaps(draw, draw, RESERVED_STARTS, RESERVED_ENDS) | space.contains(draw)
        todo = todo[bad]
    return addresses


def _coprime_stride(size: int) -> int:
    """A stride near size/φ with no factor in common with ``size``: ``slot * stride mod size`` then
    visits every position once, spread over all intervals, before any repeats."""
    stride = max(1, int(size * 0.6180339887))
    while math.gcd(stride, size) != 1:
        stride += 1
    return stride


# --------------------------------------------------------------------------- report layouts

Columns = dict[str, pl.Series]
Prepare = Callable[[np.random.Generator, NetworkSpace, date], pl.DataFrame]
Fill = Callable[[np.random.Generator, int, pl.DataFrame], Columns]
Derive = Callable[[np.random.Generator, pl.Series], Columns]


@dataclass(frozen=True)
class Layout:
    """One Shadowserver report kind: its header, where the host of a finding goes, and how its
    other columns are filled. Header columns nobody fills stay empty, as most do in real reports."""

    kind: str
    sample: str  # the public sample whose header this copies, in shared/data/shadowserver
    header: tuple[str, ...]
    host: Mapping[str, str]  # attribute of the host -> column
    ports: tuple[tuple[int, float], ...] | None  # (port, weight); None: ephemeral source ports
    constants: Mapping[str, str | int]
    fill: Fill
    prepare: Prepare | None = None  # pools drawn once per report (certificates, sinkholes)
    derive: Derive | None = None  # columns computed from the row's final time


def _pick(
    rng: np.random.Generator,
    count: int,
    values: Sequence[Any],
    weights: Sequence[float] | None = None,
    dtype: type[pl.DataType] | pl.DataType = pl.String,
) -> pl.Series:
    """``count`` values drawn from ``values`` (None is an empty field)."""
    chosen = rng.choice(len(values), size=count, p=weights)
    return pl.Series(values=list(values), dtype=dtype).gather(chosen)


def _null_where(series: pl.Series, mask: Bools) -> pl.Series:
    return series.set(pl.Series(mask), None)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CERT_AUTHORITIES = [  # issuer CN, issuer O, issuer C, validation level, validity in days
    ("GlobalSign Organization Validation CA - SHA256 - G2", "GlobalSign nv-sa", "BE", "OV", 365),
    ("R3", "Let's Encrypt", "US", "DV", 90),
    ("Sectigo RSA Domain Validation Secure Server CA", "Sectigo Limited", "GB", "DV", 365),
]
CERT_SCHEMA: dict[str, pl.DataType] = {
    name: pl.Int64() if name in ("cert_length", "ssl_version") else pl.String()
    for name in _header(
        """handshake cipher_suite cert_length subject_common_name issuer_common_name
        cert_issue_date cert_expiration_date sha1_fingerprint cert_serial_number ssl_version
        signature_algorithm key_algorithm subject_organization_name subject_country
        issuer_organization_name issuer_country sha256_fingerprint sha512_fingerprint
        md5_fingerprint cert_valid self_signed cert_expired validation_level"""
    )
}


def _openssl_time(moment: datetime) -> str:
    """OpenSSL's notation, as Shadowserver prints it: ``Jan 14 08:04:50 2015 GMT``."""
    return f"{MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S} {moment.year} GMT"


def _fingerprint(rng: np.random.Generator, length: int) -> str:
    return rng.bytes(length).hex(":").upper()


def _certificate(rng: np.random.Generator, number: int, day: date) -> tuple[object, ...]:
    """One made-up certificate of an FTP server (a quarter of them self-signed)."""
    subject = f"ftp.site{number}.example.net"
    authority = int(rng.integers(0, len(CERT_AUTHORITIES) + 1))
    self_signed = authority == len(CERT_AUTHORITIES)
    if self_signed:
        issuer, issuer_org, issuer_country, level, days = subject, None, None, None, 3650
    else:
        issuer, issuer_org, issuer_country, level, days = CERT_AUTHORITIES[authority]
    issued = datetime(day.year, day.month, day.day) - timedelta(
        days=int(rng.integers(1, 1500)), seconds=int(rng.integers(0, 86400))
    )
    expires = issued + timedelta(days=days)
    expired = expires.date() < day
    tls13 = bool(rng.random() < 0.3)
    return (
        "TLSv1.3" if tls13 else "TLSv1.2",
        "TLS_AES_256_GCM_SHA384" if tls13 else "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        int(rng.choice([2048, 4096])),
        subject,
        issuer,
        _openssl_time(issued),
        _openssl_time(expires),
        _fingerprint(rng, 20),
        rng.bytes(16).hex().upper(),
        2,  # X.509 v3 is version number 2
        "sha256WithRSAEncryption",
        "rsaEncryption",
        f"Example Health {number}" if level == "OV" else None,
        "ID" if level == "OV" else None,
        issuer_org,
        issuer_country,
        _fingerprint(rng, 32),
        _fingerprint(rng, 64),
        _fingerprint(rng, 16),
        "N" if self_signed or expired else "Y",
        "Y" if self_signed else "N",
        "Y" if expired else "N",
        level,
    )


def _prepare_certificates(rng: np.random.Generator, space: NetworkSpace, day: date) -> pl.DataFrame:
    """48 certificates the TLS-capable FTP servers share, then an all-empty row for the others."""
    rows = [_certificate(rng, n, day) for n in range(48)]
    rows.append(tuple(None for _ in CERT_SCHEMA))
    return pl.DataFrame(rows, schema=CERT_SCHEMA, orient="row")


FTP_BANNERS = [
    "220 FTP Server ready.|",
    "220 (vsFTPd 3.0.3)|",
    "220 Microsoft FTP Service|",
    "220 ProFTPD Server (Debian) [::ffff:0.0.0.0]|",
    "220-FileZilla Server 0.9.60 beta|220 Welcome|",
    "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------|220 You will be disconnected after 15 minutes of inactivity.|",
]
FTP_AUTH_REPLIES = [
    "234 AUTH TLS successful",
    "500 Syntax error, command unrecognized.",
    "530 Please login with USER and PASS.",
    None,
]


def _fill_ftp(rng: np.random.Generator, count: int, certificates: pl.DataFrame) -> Columns:
    """Banner for all; certificate and AUTH TLS answer for the 30% that speak TLS."""
    none = certificates.height - 1
    tls = rng.random(count) < 0.3
    chosen = certificates[np.where(tls, rng.integers(0, none, size=count), none)]
    columns = {name: chosen.get_column(name) for name in chosen.columns}
    columns["banner"] = _pick(rng, count, FTP_BANNERS)
    reply = np.where(tls, 0, rng.integers(1, len(FTP_AUTH_REPLIES), size=count))
    replies = pl.Series(values=FTP_AUTH_REPLIES, dtype=pl.String)
    columns["auth_tls_response"] = replies.gather(reply)
    # A server that refuses AUTH TLS answers AUTH SSL the same way; one that accepted is not asked.
    columns["auth_ssl_response"] = replies.gather(np.where(tls, len(FTP_AUTH_REPLIES) - 1, reply))
    return columns


HTTP_RESPONSES = pl.DataFrame(
    [
        (200, "OK", "text/html", None),
        (200, "OK", "text/html; charset=UTF-8", None),
        (401, "Unauthorized", "text/html", 'Basic realm="Router"'),
        (401, "Unauthorized", None, 'Digest realm="IP Camera", qop="auth", nonce="00"'),
        (403, "Forbidden", "text/html", None),
        (404, "Not Found", "text/html", None),
        (302, "Found", None, None),
        (301, "Moved Permanently", "text/html; charset=iso-8859-1", None),
    ],
    schema={
        "http_code": pl.Int64,
        "http_reason": pl.String,
        "content_type": pl.String,
        "www_authenticate": pl.String,
    },
    orient="row",
)
HTTP_RESPONSE_WEIGHTS = [0.35, 0.2, 0.1, 0.05, 0.1, 0.1, 0.06, 0.04]
HTTP_SERVERS = ["lighttpd", "Apache", "nginx", "Microsoft-IIS/10.0", "Boa/0.94.14rc21", None]
HTTP_COOKIES = [None, "PHPSESSID=0; path=/", "session=0; HttpOnly; SameSite=Lax"]


def _no_pool(rng: np.random.Generator, space: NetworkSpace, day: date) -> pl.DataFrame:
    return pl.DataFrame()


def _fill_http(rng: np.random.Generator, count: int, pool: pl.DataFrame) -> Columns:
    """Status line and headers of the answer to ``GET /``."""
    response = HTTP_RESPONSES[
        rng.choice(HTTP_RESPONSES.height, size=count, p=HTTP_RESPONSE_WEIGHTS)
    ]
    columns = {name: response.get_column(name) for name in response.columns}
    chunked = rng.random(count) < 0.3
    columns["http"] = _pick(rng, count, ["HTTP/1.1", "HTTP/1.0"], [0.95, 0.05])
    columns["connection"] = _pick(rng, count, ["close", "keep-alive", None])
    columns["set_cookie"] = _pick(rng, count, HTTP_COOKIES, [0.8, 0.1, 0.1])
    columns["server"] = _pick(rng, count, HTTP_SERVERS)
    length = pl.Series(values=rng.integers(0, 60_000, size=count), dtype=pl.Int64)
    columns["content_length"] = _null_where(length, chunked | (rng.random(count) < 0.2))
    columns["transfer_encoding"] = _null_where(pl.repeat("chunked", count, eager=True), ~chunked)
    return columns


def _derive_http(rng: np.random.Generator, times: pl.Series) -> Columns:
    """The Date header: the server's clock, a moment after the scanner's."""
    offset = pl.Series(values=rng.integers(0, 3, size=len(times)) * 1_000_000).cast(
        pl.Duration("us")
    )
    return {"http_date": (times + offset).dt.strftime("%a, %d %b %Y %H:%M:%S GMT")}


SINKHOLE_PLACES = [  # geo, region, city, naics, sector
    ("US", "VIRGINIA", "ASHBURN", 334111, "Information"),
    ("US", "WASHINGTON", "REDMOND", 334111, "Information"),
    ("DE", "HESSEN", "FRANKFURT AM MAIN", 518210, SECTORS[0]),
    ("NL", "NOORD-HOLLAND", "AMSTERDAM", 518210, SECTORS[0]),
]
MALWARE_FAMILIES = ["necurs", "caphaw", "andromeda", "ramnit", "sality", "conficker", "qsnatch"]
SINKHOLE_URLS = ["/locator.php", "/index.php", "/news/stream.php", "/", "/gate.php"]
SINKHOLE_HOSTS = ["3fo8jrthz3y.example.com", "update.example.net", "x7k2p.example.org"]
HTTP_AGENTS = [
    None,
    "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; .NET CLR 1.0.6103)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
]


def _prepare_sinkholes(rng: np.random.Generator, space: NetworkSpace, day: date) -> pl.DataFrame:
    """Eight sinkhole servers at public addresses outside the constituents."""
    count = 8
    addresses = pl.Series(values=_public_ipv4(rng, count, space))
    place = [SINKHOLE_PLACES[i % len(SINKHOLE_PLACES)] for i in range(count)]
    return pl.DataFrame(
        {
            "dst_ip": pl.select(_dotted(pl.lit(addresses))).to_series(),
            "dst_port": pl.Series(values=[80, 443] * (count // 2), dtype=pl.Int64),
            "dst_asn": pl.Series(values=OUTSIDE_ASNS[:count], dtype=pl.Int64),
            "dst_geo": [p[0] for p in place],
            "dst_region": [p[1] for p in place],
            "dst_city": [p[2] for p in place],
            "dst_naics": pl.Series(values=[p[3] for p in place], dtype=pl.Int64),
            "dst_sector": [p[4] for p in place],
        }
    )


def _fill_sinkhole(rng: np.random.Generator, count: int, sinkholes: pl.DataFrame) -> Columns:
    """Which sinkhole the infected host called, for which malware family, with which request."""
    chosen = sinkholes[rng.integers(0, sinkholes.height, size=count)]
    columns = {name: chosen.get_column(name) for name in chosen.columns}
    family = _pick(rng, count, MALWARE_FAMILIES)
    columns |= {"infection": family, "family": family, "tag": family}
    columns["http_url"] = _pick(rng, count, SINKHOLE_URLS)
    columns["http_host"] = _pick(rng, count, SINKHOLE_HOSTS)
    columns["http_agent"] = _pick(rng, count, HTTP_AGENTS)
    columns["http_referer"] = _pick(rng, count, [None, "null"], [0.7, 0.3])
    return columns


def _sinkhole_layout(kind: str, constants: Mapping[str, str | int]) -> Layout:
    return Layout(
        kind=kind,
        sample="event4_microsoft_sinkhole_http.csv",
        header=SINKHOLE_HTTP_HEADER,
        host=SINKHOLE_HOST,
        ports=None,
        constants=constants,
        fill=_fill_sinkhole,
        prepare=_prepare_sinkholes,
    )


LAYOUTS: dict[str, Layout] = {
    "scan_ftp": Layout(
        kind="scan_ftp",
        sample="scan_ftp.csv",
        header=SCAN_FTP_HEADER,
        host=SCAN_HOST,
        ports=((21, 0.97), (2121, 0.03)),
        constants={"protocol": "tcp", "tag": "ftp"},
        fill=_fill_ftp,
        prepare=_prepare_certificates,
    ),
    "scan_http": Layout(
        kind="scan_http",
        sample="scan_http.csv",
        header=SCAN_HTTP_HEADER,
        host=SCAN_HOST,
        ports=((80, 0.45), (8080, 0.25), (8000, 0.1), (8081, 0.1), (81, 0.05), (8888, 0.05)),
        constants={"protocol": "tcp", "tag": "http"},
        fill=_fill_http,
        derive=_derive_http,
    ),
    "event4_sinkhole_http": _sinkhole_layout("event4_sinkhole_http", {"protocol": "tcp"}),
    "event4_microsoft_sinkhole_http": _sinkhole_layout(
        "event4_microsoft_sinkhole_http", {"protocol": "tcp", "public_source": "MSDCU"}
    ),
}
KINDS = tuple(LAYOUTS)


def report_header(kind: str) -> tuple[str, ...]:
    """The column names of a report kind, in order."""
    return _layout(kind).header


def _layout(kind: str) -> Layout:
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise ValueError(f"unknown report kind {kind!r}; known: {', '.join(KINDS)}") from None


# --------------------------------------------------------------------------- report writing


@dataclass(frozen=True)
class ReportStats:
    """What a written report holds, for a benchmark to check the pipeline's counts against.
    ``duplicates`` and ``inside`` count well-formed rows only."""

    kind: str
    rows: int
    malformed: int
    duplicates: int
    inside: int
    bytes: int


@dataclass
class _Run:
    """The state of one report being written, chunk after chunk."""

    layout: Layout
    rng: np.random.Generator
    space: NetworkSpace
    rows: int
    day: date
    inside_share: float
    duplicate_share: float
    damaged: Ints  # sorted row numbers of the malformed rows
    pool: pl.DataFrame
    stride: int
    shift: int
    next_slot: int = 0
    carry: pl.DataFrame | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"malformed": 0, "duplicates": 0, "inside": 0}
    )


def write_shadowserver_report(
    path: str | Path,
    rows: int,
    seed: int,
    networks: Sequence[tuple[int, str]],
    kind: str = "scan_ftp",
    *,
    chunk_rows: int = CHUNK_ROWS,
    day: date = REPORT_DAY,
    inside_share: float = INSIDE_SHARE,
    duplicate_share: float = DUPLICATE_SHARE,
    malformed_share: float = MALFORMED_SHARE,
) -> ReportStats:
    """Write a ``kind`` report of ``rows`` data rows to ``path``, one day's worth (``day``, times
    ascending). About ``inside_share`` of the addresses are in ``networks``, about
    ``duplicate_share`` of the rows repeat an earlier finding (same address, port and tag, a later
    time), exactly ``round(rows * malformed_share)`` rows are malformed (a bad address, a bad
    timestamp or a wrong number of columns, in turn). The output depends on ``chunk_rows`` too.

    Distinct findings get distinct addresses until the constituents' IPv4 space runs out; past
    that, addresses inside it come round again."""
    layout = _layout(kind)
    _check_arguments(rows, chunk_rows, inside_share, duplicate_share, malformed_share)
    rng = np.random.default_rng([seed, _label(kind)])
    space = network_space(networks)
    damaged = np.sort(rng.choice(rows, size=round(rows * malformed_share), replace=False))
    prepare = layout.prepare or _no_pool
    run = _Run(
        layout=layout,
        rng=rng,
        space=space,
        rows=rows,
        day=day,
        inside_share=inside_share if space.size else 0.0,
        duplicate_share=duplicate_share,
        damaged=damaged.astype(np.int64),
        pool=prepare(rng, space, day),
        stride=_coprime_stride(space.size) if space.size else 1,
        shift=int(rng.integers(0, space.size)) if space.size else 0,
    )
    with Path(path).open("wb") as out:
        out.write((",".join(f'"{name}"' for name in layout.header) + "\n").encode())
        for start in range(0, rows, chunk_rows):
            _chunk(run, out, start, min(chunk_rows, rows - start))
        written = out.tell()
    return ReportStats(kind=kind, rows=rows, bytes=written, **run.counts)


def _check_arguments(rows: int, chunk_rows: int, *shares: float) -> None:
    if rows < 0 or chunk_rows < 1:
        raise ValueError("rows must be 0 or more and chunk_rows at least 1")
    if any(not 0.0 <= share <= 1.0 for share in shares):
        raise ValueError("shares must be between 0 and 1")


def _chunk(run: _Run, out: IO[bytes], start: int, count: int) -> None:
    """Write rows ``start`` .. ``start + count - 1``."""
    first, last = np.searchsorted(run.damaged, [start, start + count])
    damaged_rows = run.damaged[first:last] - start
    damage = np.array(DAMAGE_KINDS)[np.arange(first, last) % len(DAMAGE_KINDS)]  # in turn
    malformed = np.zeros(count, dtype=np.bool_)
    malformed[damaged_rows] = True
    repeat = _plan_repeats(run, malformed)
    fresh = _fresh_findings(run, int(np.count_nonzero(~repeat)))
    rows = _place(run, fresh, repeat, malformed)
    rows = _stamp(run, rows, start)
    for kind, column, values in (
        ("address", run.layout.host["ip"], BAD_ADDRESSES),
        ("timestamp", "timestamp", BAD_TIMESTAMPS),
    ):
        hit = damaged_rows[damage == kind]
        rows = _replace(rows, column, hit, [values[i % len(values)] for i in range(hit.size)])
    inside = rows.get_column("_inside").to_numpy() & ~malformed
    run.counts["malformed"] += int(malformed.sum())
    run.counts["duplicates"] += int(repeat.sum())
    run.counts["inside"] += int(inside.sum())
    table = rows.select(_columns(rows, run.layout))
    _write_table(out, table, damaged_rows[damage == "columns"])


def _plan_repeats(run: _Run, malformed: Bools) -> Bools:
    """Which rows repeat an earlier finding. The first readable row of the file cannot: there is
    nothing before it to repeat. Malformed rows are never repeats, so every repeat is countable."""
    repeat = (run.rng.random(malformed.size) < run.duplicate_share) & ~malformed
    if run.carry is None or run.carry.height == 0:  # nothing readable yet
        readable = np.flatnonzero(~malformed)
        if readable.size:
            repeat[readable[0]] = False
    return repeat


def _fresh_findings(run: _Run, count: int) -> pl.DataFrame:
    """``count`` new findings: host columns, the kind's columns and ``_inside``."""
    rng = run.rng
    inside = rng.random(count) < run.inside_share
    slots = run.next_slot + np.arange(int(inside.sum()), dtype=np.int64)
    run.next_slot += slots.size
    if run.space.size:
        # An affine permutation of positions: no two findings share an address by chance.
        size = np.uint64(run.space.size)
        spread = (
            slots.astype(np.uint64) % size * np.uint64(run.stride) + np.uint64(run.shift)
        ) % size
        inner, interval = run.space.address_at(spread.astype(np.int64))
    else:
        inner = interval = np.empty(0, dtype=np.int64)
    addresses = np.empty(count, dtype=np.int64)
    addresses[inside] = inner
    addresses[~inside] = _public_ipv4(rng, count - slots.size, run.space)
    group = np.full(count, -1, dtype=np.int64)
    group[inside] = interval
    frame = _host_columns(rng, addresses, inside, group, run.layout)
    filled = run.layout.fill(rng, count, run.pool)
    return frame.hstack([series.alias(name) for name, series in filled.items()])


def _host_columns(
    rng: np.random.Generator, addresses: Ints, inside: Bools, group: Ints, layout: Layout
) -> pl.DataFrame:
    """Address, port, reverse name, AS, place and industry of each host. Inside, they follow the
    constituent's address block (one AS and one city per block); outside, they are random."""
    count = addresses.size
    mixed = group * 2_654_435_761 % 1_000_003  # spreads neighbouring blocks over the tables
    place = np.where(
        inside,
        mixed % len(INSIDE_LOCATIONS),
        rng.integers(0, len(OUTSIDE_LOCATIONS), count) + len(INSIDE_LOCATIONS),
    )
    asn = np.where(
        inside, np.array(INSIDE_ASNS)[mixed % len(INSIDE_ASNS)], rng.choice(OUTSIDE_ASNS, count)
    )
    naics = np.where(
        inside, np.array(INSIDE_NAICS)[mixed % len(INSIDE_NAICS)], rng.choice(OUTSIDE_NAICS, count)
    )
    suffix = np.where(
        inside, mixed % len(HOSTNAME_SUFFIXES), rng.integers(0, len(HOSTNAME_SUFFIXES), count)
    )
    named = rng.random(count) < np.where(inside, 0.6, 0.4)
    if layout.ports is None:
        port = rng.integers(1024, 65536, size=count)
    else:
        numbers, weights = zip(*layout.ports, strict=True)
        port = rng.choice(np.array(numbers), size=count, p=np.array(weights))
    address = pl.col("_address")
    octets = [address // 16_777_216, address // 65_536 % 256, address // 256 % 256, address % 256]
    reverse = pl.concat_str([o.cast(pl.String) for o in octets], separator="-")
    values = {
        "ip": _dotted(address),
        "port": pl.col("_port"),
        "hostname": pl.when(pl.col("_named")).then(reverse + "." + pl.col("_suffix")),
        "asn": pl.col("_asn"),
        "geo": pl.col("_geo"),
        "region": pl.col("_region"),
        "city": pl.col("_city"),
        "naics": pl.col("_naics"),
        "sic": pl.col("_sic"),
        "sector": pl.col("_sector"),
    }
    base = pl.DataFrame(
        {
            "_address": addresses,
            "_inside": inside,
            "_port": port.astype(np.int64),
            "_named": named,
            "_suffix": pl.Series(values=HOSTNAME_SUFFIXES).gather(suffix),
            "_asn": asn.astype(np.int64),
            "_geo": pl.Series(values=[p[0] for p in LOCATIONS]).gather(place),
            "_region": pl.Series(values=[p[1] for p in LOCATIONS], dtype=pl.String).gather(place),
            "_city": pl.Series(values=[p[2] for p in LOCATIONS]).gather(place),
            "_naics": naics.astype(np.int64),
            "_sic": _pick(rng, count, SIC_CODES, dtype=pl.Int64),
            "_sector": _pick(rng, count, SECTORS),
        }
    )
    return base.select(
        pl.col("_inside"), *(values[role].alias(column) for role, column in layout.host.items())
    )


def _place(run: _Run, fresh: pl.DataFrame, repeat: Bools, malformed: Bools) -> pl.DataFrame:
    """Lay the fresh findings out in row order and fill the repeat rows with copies of earlier,
    readable findings: from this chunk before the row, or (half the time) from earlier chunks."""
    rng = run.rng
    carry = run.carry if run.carry is not None else fresh.clear()
    held = carry.height
    original = ~repeat
    fresh_index = np.cumsum(original) - 1
    source = np.empty(repeat.size, dtype=np.int64)
    source[original] = held + fresh_index[original]
    readable = original & ~malformed
    before = np.cumsum(readable) - readable  # readable findings strictly before each row
    readable_fresh = fresh_index[readable]
    wanted = np.flatnonzero(repeat)
    earlier = before[wanted]
    from_carry = (held > 0) & ((earlier == 0) | (rng.random(wanted.size) < 0.5))
    picks = np.empty(wanted.size, dtype=np.int64)
    picks[from_carry] = rng.integers(0, max(held, 1), size=int(from_carry.sum()))
    own = ~from_carry
    chosen = (rng.random(int(own.sum())) * earlier[own]).astype(np.int64)
    picks[own] = held + readable_fresh[chosen]
    source[wanted] = picks
    pool = pl.concat([carry, fresh], how="vertical_relaxed", rechunk=True) if held else fresh
    _keep_for_later(run, carry, fresh.filter(pl.Series(readable[original])))
    return pool[source]


def _keep_for_later(run: _Run, carry: pl.DataFrame, readable: pl.DataFrame) -> None:
    """A random sample of the readable findings so far, for later chunks to repeat."""
    kept = (
        pl.concat([carry, readable], how="vertical_relaxed", rechunk=True)
        if carry.height
        else readable
    )
    if kept.height > CARRY_ROWS:
        kept = kept[np.sort(run.rng.choice(kept.height, size=CARRY_ROWS, replace=False))]
    run.carry = kept


def _stamp(run: _Run, rows: pl.DataFrame, start: int) -> pl.DataFrame:
    """Times in ascending order over the day (the file is one day's report), as text."""
    count = rows.height
    number = start + np.arange(count) + run.rng.random(count)
    seconds = np.minimum((number * (86_400 / run.rows)).astype(np.int64), 86_399)
    midnight = int(datetime(run.day.year, run.day.month, run.day.day, tzinfo=UTC).timestamp())
    times = pl.Series(values=(midnight + seconds) * 1_000_000).cast(pl.Datetime("us"))
    columns = {"timestamp": times.dt.strftime("%Y-%m-%d %H:%M:%S")}
    if run.layout.derive is not None:
        columns |= run.layout.derive(run.rng, times)
    return rows.with_columns(series.alias(name) for name, series in columns.items())


def _replace(frame: pl.DataFrame, column: str, rows: Ints, values: list[str]) -> pl.DataFrame:
    if rows.size == 0:
        return frame
    series = frame.get_column(column).clone()
    series.scatter(rows, values)
    return frame.with_columns(series)


def _columns(frame: pl.DataFrame, layout: Layout) -> list[pl.Expr]:
    """The header's columns in order: constants as literals, columns nobody filled empty."""
    columns = []
    for name in layout.header:
        if name in layout.constants:
            columns.append(pl.lit(layout.constants[name]).alias(name))
        elif name in frame.columns:
            columns.append(pl.col(name))
        else:
            columns.append(pl.lit(None, dtype=pl.String).alias(name))
    return columns


def _write_table(out: IO[bytes], table: pl.DataFrame, broken: Ints) -> None:
    """The rows as Shadowserver writes them (text quoted, numbers bare, empty fields empty: polars'
    ``non_numeric`` quoting, by column type). The rows in ``broken`` lose their last two fields or
    gain one, in turn: the writer cannot do that, so the table goes out in pieces around them."""
    done = 0
    for turn, row in enumerate(broken.tolist()):
        _write_csv(out, table[done:row])
        if turn % 2 == 0:
            _write_csv(out, table[row : row + 1, : table.width - 2])
        else:
            _write_csv(out, table[row : row + 1].with_columns(pl.lit("unexpected").alias("_extra")))
        done = row + 1
    _write_csv(out, table[done:])


def _write_csv(out: IO[bytes], table: pl.DataFrame) -> None:
    if table.height:
        table.write_csv(out, include_header=False, quote_style="non_numeric")


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows per report")
    parser.add_argument("--cidrs", type=int, default=50_000, help="constituent networks")
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="scan_ftp")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"python {platform.python_version()} on {platform.machine()}, polars {pl.__version__}, numpy {np.__version__}"
    )
    started = time.perf_counter()
    networks = constituent_networks(args.cidrs, args.seed)
    write_constituents_csv(args.out / "constituents.csv", networks)
    organizations = len({org for org, _ in networks})
    print(
        f"{len(networks)} networks of {organizations} organizations in {time.perf_counter() - started:.2f} s"
    )
    for kind in KINDS if args.kind == "all" else [args.kind]:
        started = time.perf_counter()
        stats = write_shadowserver_report(
            args.out / f"{kind}.csv",
            args.rows,
            args.seed,
            networks,
            kind,
            chunk_rows=args.chunk_rows,
        )
        _print_stats(stats, time.perf_counter() - started)


def _print_stats(stats: ReportStats, elapsed: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{stats.kind}: {stats.rows} rows, {stats.bytes / 1e6:.0f} MB in {elapsed:.2f} s: "
        f"{stats.rows / elapsed:,.0f} rows/s, {stats.bytes / 1e6 / elapsed:.0f} MB/s; "
        f"{stats.inside} inside, {stats.duplicates} repeats, {stats.malformed} malformed; "
        f"peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
