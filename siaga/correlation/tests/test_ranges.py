"""Addresses inside networks, both ways, IPv4 and IPv6, against a naive ``ipaddress`` reference."""

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.observables import normalize
from siaga.correlation.actions import (
    Occurrence,
    _addresses_inside,
    _networks_containing,
    record_occurrences,
)
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.models import Occurrence as StoredOccurrence
from siaga.correlation.ranges import (
    MAPPED_IPV4,
    already_canonical,
    containing_bounds,
    value_range,
)

MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def mapped(address):
    """The reference: an IPv4 address is its ``::ffff:a.b.c.d`` form in the IPv6 space."""
    if address.version == 4:
        return ipaddress.IPv6Address(MAPPED_IPV4 | int(address))
    return address


def mapped_network(network):
    if network.version == 4:
        start = mapped(network.network_address)
        return ipaddress.IPv6Network(f"{start}/{network.prefixlen + 96}")
    return network


def contains(network, address):
    return mapped(address) in mapped_network(network)


# Addresses and networks drawn near each other, so that containment is often true.
prefix_v4 = st.sampled_from(["10.1", "10.2", "192.0"])
v4 = st.builds(lambda p, c, d: f"{p}.{c}.{d}", prefix_v4, st.integers(0, 3), st.integers(0, 255))
v6 = st.builds(
    lambda g, h: f"2001:db8:{g:x}::{h:x}", st.integers(0, 3), st.integers(0, 65535)
) | st.just("::ffff:0:0")
addresses = st.one_of(v4, v6, st.ip_addresses().map(str))


@st.composite
def networks(draw):
    address = ipaddress.ip_address(draw(addresses))
    width = 32 if address.version == 4 else 128
    prefix = draw(st.integers(0, width))
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


@given(address=addresses, network=networks())
def test_bounds_of_containing_networks_match_the_reference(address, network):
    canonical = str(ipaddress.ip_address(address))
    starts, ends = containing_bounds(canonical)
    start, end = value_range("cidr", network.with_prefixlen)
    found = start in starts and end in ends
    assert found == contains(network, ipaddress.ip_address(address))


def test_ipv4_addresses_are_inside_the_mapped_ipv6_network():
    starts, ends = containing_bounds("192.0.2.1")
    for network in ("::ffff:0:0/96", "::/0", "192.0.2.0/24", "0.0.0.0/0"):
        start, end = value_range("cidr", network)
        assert start in starts and end in ends, network
    start, end = value_range("cidr", "2001:db8::/32")
    assert not (start in starts and end in ends)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stored_addresses=st.lists(addresses, max_size=15),
    stored_networks=st.lists(networks(), max_size=10),
    probe_address=addresses,
    probe_network=networks(),
)
def test_stored_rows_answer_both_ways_like_the_reference(
    stored_addresses, stored_networks, probe_address, probe_network
):
    StoredOccurrence.objects.all().delete()
    items = [Occurrence("ip", a, n) for n, a in enumerate(stored_addresses, start=1)]
    items += [Occurrence("cidr", net.with_prefixlen, n) for n, net in enumerate(stored_networks, 1)]
    record_occurrences(OccurrenceKind.INDICATOR, items)
    address = ipaddress.ip_address(probe_address)
    expected = {str(net) for net in stored_networks if contains(net, address)}
    assert {value for value, _k, _id in _networks_containing(str(address))} == {
        str(ipaddress.ip_network(v)) for v in expected
    }
    inside = {normalize("ip", a) for a in stored_addresses}  # as stored: IPv4-mapped as IPv4
    expected_inside = {a for a in inside if contains(probe_network, ipaddress.ip_address(a))}
    found = {value for value, _k, _id in _addresses_inside(probe_network.with_prefixlen)}
    assert found == expected_inside


domainish = st.text(alphabet="abcxyz019-_.XN[]()hp", min_size=1, max_size=30)
ipish = st.text(alphabet="0123456789.: ", min_size=1, max_size=20) | addresses
hexish = st.text(alphabet="0123456789abcdefABCDEF g", min_size=30, max_size=66)


@given(
    kind_value=st.one_of(
        st.tuples(st.just("domain"), domainish),
        st.tuples(st.just("ip"), ipish),
        st.tuples(st.sampled_from(["md5", "sha1", "sha256"]), hexish),
        st.tuples(st.just("domain"), st.just("hxxpevil.example")),
        st.tuples(st.just("domain"), st.just("xn--bcher-kva.example")),
    )
)
def test_the_fast_canonical_check_agrees_with_normalize(kind_value):
    kind, value = kind_value
    fast = already_canonical(kind, value)
    if fast is None:
        return
    assert normalize(kind, value) == fast
