"""OwnershipIndex: longest-prefix IP matching, domain suffixes and ASNs, against a brute force."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.constituents.lookup import AssetRecord, OwnershipIndex, classify


def record(org_id, value, kind="ip_range"):
    return AssetRecord(org_id, f"Org {org_id:03d}", kind, value)


def brute_force(records, address):
    """The owners of the most specific networks containing the address."""
    matching = [
        (ipaddress.ip_network(r.value), r)
        for r in records
        if r.kind == "ip_range" and address in ipaddress.ip_network(r.value)
    ]
    if not matching:
        return set()
    longest = max(network.prefixlen for network, _ in matching)
    return {(r.organization_id, r.value) for network, r in matching if network.prefixlen == longest}


def owners(index, value):
    return {(o.organization_id, o.matched_value) for o in index.owners_of_ip(value)}


@st.composite
def networks_and_addresses(draw, version):
    bits = 32 if version == 4 else 128
    # A narrow base keeps random networks nested and overlapping often, the interesting case.
    base = draw(st.integers(0, 2**bits - 1)) & ~((1 << 16) - 1)
    records = []
    for _ in range(draw(st.integers(0, 25))):
        prefix = draw(st.integers(bits - 16, bits))
        offset = draw(st.integers(0, 2**16 - 1))
        network = ipaddress.ip_network(((base + offset), prefix), strict=False)
        records.append(record(draw(st.integers(1, 6)), network.compressed))
    records = list({(r.organization_id, r.value): r for r in records}.values())
    addresses = [
        ipaddress.ip_address(base + draw(st.integers(0, 2**16 - 1)))
        if version == 4
        else ipaddress.IPv6Address(base + draw(st.integers(0, 2**16 - 1)))
        for _ in range(20)
    ]
    return records, addresses


@settings(max_examples=150, deadline=None)
@given(networks_and_addresses(4))
def test_ipv4_matches_the_brute_force(data):
    records, addresses = data
    index = OwnershipIndex(records)
    for address in addresses:
        assert owners(index, address) == brute_force(records, address)


@settings(max_examples=150, deadline=None)
@given(networks_and_addresses(6))
def test_ipv6_matches_the_brute_force(data):
    records, addresses = data
    index = OwnershipIndex(records)
    for address in addresses:
        assert owners(index, str(address)) == brute_force(records, address)


def test_the_most_specific_range_wins_and_the_enclosing_one_resumes_after_it():
    index = OwnershipIndex(
        [record(1, "10.0.0.0/8"), record(2, "10.1.0.0/16"), record(3, "10.1.2.0/24")]
    )
    assert owners(index, "10.0.0.1") == {(1, "10.0.0.0/8")}
    assert owners(index, "10.1.0.1") == {(2, "10.1.0.0/16")}
    assert owners(index, "10.1.2.255") == {(3, "10.1.2.0/24")}
    assert owners(index, "10.1.3.0") == {(2, "10.1.0.0/16")}
    assert owners(index, "10.2.0.0") == {(1, "10.0.0.0/8")}
    assert owners(index, "11.0.0.0") == set()
    assert owners(index, "::1") == set()


def test_identical_ranges_of_two_organizations_return_both():
    index = OwnershipIndex([record(1, "192.0.2.0/24"), record(2, "192.0.2.0/24")])
    assert owners(index, "192.0.2.9") == {(1, "192.0.2.0/24"), (2, "192.0.2.0/24")}


def test_domains_match_on_label_suffixes_most_specific_first():
    index = OwnershipIndex(
        [record(1, "go.example", "domain"), record(2, "rsud.go.example", "domain")]
    )
    assert [o.organization_id for o in index.owners_of_domain("a.b.RSUD.go.example.")] == [2]
    assert [o.organization_id for o in index.owners_of_domain("dinkes.go.example")] == [1]
    assert index.owners_of_domain("notrsud.example") == []
    assert index.owners_of_domain("xrsud.go.example")[0].organization_id == 1


def test_asns_match_exactly():
    index = OwnershipIndex([record(1, "AS64500", "asn")])
    assert [o.matched_value for o in index.owners_of_asn(64500)] == ["AS64500"]
    assert index.owners_of_asn(64501) == []


@pytest.mark.parametrize(
    ("value", "kind", "owner"),
    [
        ("192.0.2.44", "ip", 1),
        ("2001:db8:10::5", "ip", 1),
        ("AS64500", "asn", 1),
        ("64500", "asn", 1),
        ("www.rsud.example", "domain", 1),
        ("https://portal.rsud.example:8443/login?x=1", "url", 1),
        ("http://[2001:db8:10::1]/", "url", 1),
        ("Dokter@Mail.RSUD.example", "email", 1),
        ("198.51.100.1", "ip", None),
    ],
)
def test_owners_of_detects_the_kind(value, kind, owner):
    index = OwnershipIndex(
        [
            record(1, "192.0.2.0/24"),
            record(1, "2001:db8:10::/48"),
            record(1, "AS64500", "asn"),
            record(1, "rsud.example", "domain"),
        ]
    )
    assert classify(value).kind == kind
    found = [o.organization_id for o in index.owners_of(value)]
    assert found == ([owner] if owner else [])


@pytest.mark.parametrize("value", ["", "not a thing", "AS0", "AS99999999999", "http://", "a@"])
def test_values_of_no_kind_are_refused(value):
    with pytest.raises(ValueError):  # noqa: PT011
        classify(value)
    assert OwnershipIndex([]).owners_of(value) == []
