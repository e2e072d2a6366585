"""The seeded generator of the feed benchmarks (``benchmarks/feeds/generate.py``).

Its files are read back here with the standard library alone (``csv``, ``ipaddress``), so a
mistake in the generator's numpy/polars code cannot hide behind the same mistake in the check.
"""

from __future__ import annotations

import bisect
import csv
import ipaddress
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.feeds.generate import (
    KINDS,
    LAYOUTS,
    constituent_networks,
    network_space,
    report_header,
    write_constituents_csv,
    write_shadowserver_report,
)

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)
# The header of Shadowserver's scan_ftp report as in the public sample, for clones without it.
SCAN_FTP_HEADER = (
    '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","naics",'
    '"sic","banner","handshake","cipher_suite","cert_length","subject_common_name",'
    '"issuer_common_name","cert_issue_date","cert_expiration_date","sha1_fingerprint",'
    '"cert_serial_number","ssl_version","signature_algorithm","key_algorithm",'
    '"subject_organization_name","subject_organization_unit_name","subject_country",'
    '"subject_state_or_province_name","subject_locality_name","subject_street_address",'
    '"subject_postal_code","subject_surname","subject_given_name","subject_email_address",'
    '"subject_business_category","subject_serial_number","issuer_organization_name",'
    '"issuer_organization_unit_name","issuer_country","issuer_state_or_province_name",'
    '"issuer_locality_name","issuer_street_address","issuer_postal_code","issuer_surname",'
    '"issuer_given_name","issuer_email_address","issuer_business_category",'
    '"issuer_serial_number","sha256_fingerprint","sha512_fingerprint","md5_fingerprint",'
    '"cert_valid","self_signed","cert_expired","validation_level","auth_tls_response",'
    '"auth_ssl_response","tlsv13_support","tlsv13_cipher","jarm","device_vendor","device_type",'
    '"device_model","device_version","device_sector"'
)
ROWS, CIDRS, SEED = 1_000, 100, 7


@pytest.fixture(scope="module")
def networks() -> list[tuple[int, str]]:
    return constituent_networks(CIDRS, SEED)


def read_report(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def damage(row: list[str], header: list[str]) -> str | None:
    """Why the pipeline must quarantine this row, or None if it is readable."""
    if len(row) != len(header):
        return "columns"
    address = row[header.index("ip" if "ip" in header else "src_ip")]
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return "address"
    try:
        datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return "timestamp"
    return None


class Membership:
    """Whether an address is in one of the networks: sorted ranges built with ``ipaddress``."""

    def __init__(self, networks: list[tuple[int, str]]) -> None:
        parsed = [ipaddress.ip_network(cidr) for _, cidr in networks]
        ranges = sorted(
            (int(n.network_address), int(n.broadcast_address)) for n in parsed if n.version == 4
        )
        self.starts = [start for start, _ in ranges]
        self.reach: list[int] = []  # the furthest end among the ranges up to each one
        for _, end in ranges:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def __contains__(self, address: str) -> bool:
        value = int(ipaddress.IPv4Address(address))
        i = bisect.bisect_right(self.starts, value) - 1
        return i >= 0 and self.reach[i] >= value


def readable_findings(header: list[str], rows: list[list[str]]) -> list[tuple[str, str, str]]:
    """(address, port, tag) of each readable row, in file order."""
    ip = header.index("ip" if "ip" in header else "src_ip")
    port = header.index("port" if "port" in header else "src_port")
    tag = header.index("tag")
    return [(r[ip], r[port], r[tag]) for r in rows if damage(r, header) is None]


def repeats(findings: list[tuple[str, str, str]]) -> int:
    seen: set[tuple[str, str, str]] = set()
    count = 0
    for finding in findings:
        count += finding in seen
        seen.add(finding)
    return count


# --------------------------------------------------------------------------- determinism


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path, networks: list) -> None:
    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_shadowserver_report(first, ROWS, SEED, networks)
    write_shadowserver_report(second, ROWS, SEED, constituent_networks(CIDRS, SEED))
    write_shadowserver_report(other, ROWS, SEED + 1, networks)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_the_registry_is_the_same_for_a_seed(tmp_path: Path) -> None:
    write_constituents_csv(tmp_path / "a.csv", constituent_networks(CIDRS, SEED))
    write_constituents_csv(tmp_path / "b.csv", constituent_networks(CIDRS, SEED))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert constituent_networks(CIDRS, SEED + 1) != constituent_networks(CIDRS, SEED)
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == "organization,network"
    assert len(lines) == CIDRS + 1


# --------------------------------------------------------------------------- header


def test_the_scan_ftp_header_is_shadowservers(tmp_path: Path, networks: list) -> None:
    sample = SHARED / "shadowserver" / "scan_ftp.csv"
    expected = (
        sample.read_text().splitlines()[0] if sample.exists() else SCAN_FTP_HEADER
    )  # the built-in copy in a clone without the samples
    write_shadowserver_report(tmp_path / "r.csv", ROWS, SEED, networks)
    assert (tmp_path / "r.csv").read_text().splitlines()[0] == expected


@needs_shared
@pytest.mark.parametrize("kind", KINDS)
def test_each_header_is_the_samples(tmp_path: Path, networks: list, kind: str) -> None:
    sample = SHARED / "shadowserver" / LAYOUTS[kind].sample
    write_shadowserver_report(tmp_path / "r.csv", 10, SEED, networks, kind)
    header = (tmp_path / "r.csv").read_text().splitlines()[0]
    assert header == sample.read_text().splitlines()[0]
    assert tuple(next(csv.reader([header]))) == report_header(kind)


def field_styles(lines: list[str]) -> dict[int, set[str]]:
    """For each column, how its non-empty values are written: "text" (quoted) or "number"."""
    styles: dict[int, set[str]] = {}
    for line in lines:
        for i, field in enumerate(re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,]*)', line)):
            if field:
                styles.setdefault(i, set()).add("text" if field.startswith('"') else "number")
                assert field.startswith('"') or re.fullmatch(r"-?\d+", field), field
    return styles


@needs_shared
@pytest.mark.parametrize("kind", KINDS)
def test_values_are_written_as_in_the_sample(tmp_path: Path, networks: list, kind: str) -> None:
    """Numbers bare and text quoted, column for column where the sample has a value."""
    sample = (SHARED / "shadowserver" / LAYOUTS[kind].sample).read_text().splitlines()[1:]
    write_shadowserver_report(tmp_path / "r.csv", 300, SEED, networks, kind, malformed_share=0)
    ours = field_styles((tmp_path / "r.csv").read_text().splitlines()[1:])
    theirs = field_styles(sample)
    assert len(ours) > len(theirs) / 2  # most columns the sample fills are filled
    for column, styles in theirs.items():
        assert ours.get(column, styles) <= styles, report_header(kind)[column]


# --------------------------------------------------------------------------- content


def test_about_sixty_percent_of_addresses_are_constituents(tmp_path: Path, networks: list) -> None:
    stats = write_shadowserver_report(tmp_path / "r.csv", ROWS, SEED, networks)
    header, rows = read_report(tmp_path / "r.csv")
    owned = Membership(networks)
    findings = readable_findings(header, rows)
    inside = sum(address in owned for address, _, _ in findings)
    assert inside == stats.inside
    assert 0.55 <= inside / len(findings) <= 0.65
    # The other 40% are public addresses: nothing private, reserved or multicast.
    assert all(ipaddress.IPv4Address(address).is_global for address, _, _ in findings)


def test_one_row_in_a_thousand_is_malformed(tmp_path: Path, networks: list) -> None:
    stats = write_shadowserver_report(tmp_path / "r.csv", ROWS, SEED, networks)
    header, rows = read_report(tmp_path / "r.csv")
    assert len(rows) == ROWS
    assert stats.malformed == 1
    assert sum(damage(row, header) is not None for row in rows) == 1


def test_each_kind_of_damage_in_turn(tmp_path: Path, networks: list) -> None:
    stats = write_shadowserver_report(
        tmp_path / "r.csv", ROWS, SEED, networks, "scan_http", malformed_share=0.03
    )
    header, rows = read_report(tmp_path / "r.csv")
    found = [damage(row, header) for row in rows]
    assert stats.malformed == 30
    assert {kind: found.count(kind) for kind in ("address", "timestamp", "columns")} == {
        "address": 10,
        "timestamp": 10,
        "columns": 10,
    }
    # Rows with a wrong column count have both too few and too many.
    assert {len(row) - len(header) for row in rows if len(row) != len(header)} == {-2, 1}


def test_about_ten_percent_repeat_an_earlier_finding(tmp_path: Path, networks: list) -> None:
    stats = write_shadowserver_report(tmp_path / "r.csv", ROWS, SEED, networks, "scan_http")
    header, rows = read_report(tmp_path / "r.csv")
    findings = readable_findings(header, rows)
    assert repeats(findings) == stats.duplicates
    assert 0.07 <= stats.duplicates / len(findings) <= 0.13


def test_times_ascend_within_one_day(tmp_path: Path, networks: list) -> None:
    write_shadowserver_report(tmp_path / "r.csv", ROWS, SEED, networks)
    header, rows = read_report(tmp_path / "r.csv")
    times = [r[0] for r in rows if damage(r, header) is None]
    assert times == sorted(times)
    assert {t[:10] for t in times} == {"2026-01-15"}


def test_repeats_cross_chunk_boundaries(tmp_path: Path, networks: list) -> None:
    """With small chunks, a repeat may copy a finding from an earlier chunk: the counts hold."""
    stats = write_shadowserver_report(
        tmp_path / "r.csv", ROWS, SEED, networks, "event4_sinkhole_http", chunk_rows=64
    )
    header, rows = read_report(tmp_path / "r.csv")
    findings = readable_findings(header, rows)
    assert repeats(findings) == stats.duplicates > 0
    firsts = {finding: i for i, finding in reversed(list(enumerate(findings)))}
    crossing = [i for i, f in enumerate(findings) if firsts[f] < i and firsts[f] // 64 != i // 64]
    assert crossing


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(min_value=0, max_value=400),
    chunk_rows=st.integers(min_value=1, max_value=150),
    seed=st.integers(min_value=0, max_value=2**32),
    kind=st.sampled_from(KINDS),
    malformed_share=st.sampled_from([0.0, 0.02, 0.5, 1.0]),
    duplicate_share=st.sampled_from([0.0, 0.1, 0.9]),
)
def test_counts_hold_for_any_size_and_chunking(
    tmp_path: Path,
    networks: list,
    rows: int,
    chunk_rows: int,
    seed: int,
    kind: str,
    malformed_share: float,
    duplicate_share: float,
) -> None:
    """Whatever the size, the chunking and the share of damage (all rows, the start of the file):
    every count the generator reports is what a reader finds in the file."""
    path = tmp_path / f"{kind}.csv"
    stats = write_shadowserver_report(
        path,
        rows,
        seed,
        networks,
        kind,
        chunk_rows=chunk_rows,
        malformed_share=malformed_share,
        duplicate_share=duplicate_share,
    )
    header, written = read_report(path)
    findings = readable_findings(header, written)
    owned = Membership(networks)
    assert len(written) == stats.rows == rows
    assert sum(damage(row, header) is not None for row in written) == stats.malformed
    assert stats.malformed == round(rows * malformed_share)
    assert sum(address in owned for address, _, _ in findings) == stats.inside
    assert repeats(findings) == stats.duplicates
    assert stats.bytes == path.stat().st_size


# --------------------------------------------------------------------------- registry


def test_constituent_networks_look_like_a_registry() -> None:
    pairs = constituent_networks(2_000, SEED)
    parsed = [ipaddress.ip_network(cidr) for _, cidr in pairs]  # strict: host bits unset
    ipv4 = [n for n in parsed if n.version == 4]
    ipv6 = [n for n in parsed if n.version == 6]
    assert len(pairs) == len({cidr for _, cidr in pairs}) == 2_000
    assert {org for org, _ in pairs} == set(range(1, 201))
    assert [org for org, _ in pairs] == sorted(org for org, _ in pairs)
    assert {n.prefixlen for n in ipv4} == set(range(22, 30))
    assert {n.prefixlen for n in ipv6} == {48}
    assert 50 <= len(ipv6) <= 150
    assert all(n.is_global for n in parsed)
    assert all(str(n) == cidr for n, (_, cidr) in zip(parsed, pairs, strict=True))  # canonical
    nested = [n for n in ipv4 if any(n != m and n.subnet_of(m) for m in ipv4)]
    assert len(nested) >= 150


def test_the_space_merges_nested_and_touching_networks() -> None:
    space = network_space(
        [(1, "36.0.0.0/24"), (2, "36.0.0.128/25"), (3, "36.0.1.0/24"), (4, "2400:1:2::/48")]
    )
    assert space.starts.tolist() == [int(ipaddress.IPv4Address("36.0.0.0"))]
    assert space.ends.tolist() == [int(ipaddress.IPv4Address("36.0.1.255"))]
    assert space.size == 512


@pytest.mark.parametrize("cidr", ["36.0.0.1/24", "256.0.0.0/8", "36.0.0/24", "36.0.0.0/33", ""])
def test_a_bad_network_is_refused_by_name(cidr: str) -> None:
    with pytest.raises(ValueError, match="not an IPv4 network"):
        network_space([(1, cidr)])


def test_bad_arguments_are_refused(tmp_path: Path, networks: list) -> None:
    with pytest.raises(ValueError, match="unknown report kind"):
        write_shadowserver_report(tmp_path / "r.csv", 10, SEED, networks, "scan_gopher")
    with pytest.raises(ValueError, match="rows"):
        write_shadowserver_report(tmp_path / "r.csv", -1, SEED, networks)
    with pytest.raises(ValueError, match="shares"):
        write_shadowserver_report(tmp_path / "r.csv", 10, SEED, networks, inside_share=1.5)
