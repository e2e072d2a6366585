"""The matcher: known values of the shared lists hit, others do not, and it agrees with a naive
reference implementation on random lists and values."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.observables import ObservableType, normalize
from siaga.warninglists.choices import observable_types_for
from siaga.warninglists.loader import host_key, parse_warninglist, regex_body
from siaga.warninglists.matching import ListRecord, WarninglistIndex
from siaga.warninglists.tests.conftest import shared_list_files

T = ObservableType
DNS_V4 = "List of known IPv4 public DNS resolvers"
DNS_V6 = "List of known IPv6 public DNS resolvers"
DNS_HOSTS = "List of known public DNS resolvers expressed as hostname"
RFC1918 = "List of RFC 1918 CIDR blocks"
RFC5735 = "List of RFC 5735 CIDR blocks"
GMAIL = "List of known Gmail sending IP ranges"
LINK_LOCAL = "List of IPv6 link local blocks"
MULTICAST = "List of RFC 5771 multicast CIDR blocks"
TOP_DOMAINS = "Top 10,000 domains from Cloudflare Radar"
DYNAMIC_DNS = "List of known dynamic DNS domains"
RFC6761 = "List of RFC 6761 Special-Use Domain Names"


@pytest.fixture(scope="module")
def shared_index() -> WarninglistIndex:
    files = shared_list_files()
    if not files:
        pytest.skip("needs ../shared/data/warninglists (absent in a user's clone)")
    records = []
    for path in files:
        parsed = parse_warninglist(path)
        records.append(
            ListRecord(parsed.name, parsed.type, parsed.matching_attributes, parsed.values)
        )
    return WarninglistIndex(records)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (T.IP, "8.8.8.8", {DNS_V4}),
        (T.IP, "1.1.1.1", {DNS_V4}),
        (T.IP, "10.1.2.3", {RFC1918, RFC5735}),
        (T.IP, "192.168.0.1", {RFC1918, RFC5735}),
        (T.IP, "127.0.0.1", {RFC5735}),
        (T.IP, "209.85.128.17", {GMAIL}),  # inside 209.85.128.0/17
        (T.IP, "2607:f8b0:4864::1", {GMAIL}),
        (T.IP, "fe80::1", {LINK_LOCAL}),
        (T.IP, "224.0.0.251", {MULTICAST}),
        (T.IP, "2001:4860:4860::8888", {DNS_V6}),
        (T.CIDR, "10.20.0.0/16", {RFC1918, RFC5735}),
        (T.CIDR, "fe80::/64", {LINK_LOCAL}),
        (T.DOMAIN, "google.com", {TOP_DOMAINS}),
        (T.DOMAIN, "dns.google", {DNS_HOSTS, TOP_DOMAINS}),
        (T.DOMAIN, "resolver1.dns.google", {DNS_HOSTS}),  # subdomain of a hostname entry
        (T.DOMAIN, "myhome.dyndns.org", {DYNAMIC_DNS}),
        (T.DOMAIN, "deep.sub.myhome.dyndns.org", {DYNAMIC_DNS}),
        (T.DOMAIN, "10.in-addr.arpa", {RFC6761}),
        (T.URL, "https://myhome.dyndns.org:8443/login", {DYNAMIC_DNS}),
        (T.URL, "http://10.0.0.1/admin", {RFC1918, RFC5735}),
        (T.EMAIL, "someone@gmail.com", {TOP_DOMAINS}),
    ],
)
def test_known_values_hit(
    shared_index: WarninglistIndex, kind: str, value: str, expected: set[str]
) -> None:
    assert set(shared_index.check(kind, normalize(kind, value))) >= expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (T.IP, "8.8.8.9"),
        (T.IP, "103.10.20.30"),
        (T.IP, "2001:db8::1"),
        (T.CIDR, "8.8.8.0/24"),  # the resolver is in it, the whole network is not on a list
        (T.CIDR, "8.0.0.0/7"),
        (T.DOMAIN, "rsud-example.go.id"),
        (T.DOMAIN, "notdyndns.org"),
        (T.URL, "https://rsud-example.go.id/"),
        (T.MD5, "d41d8cd98f00b204e9800998ecf8427e"),
    ],
)
def test_non_members_do_not_hit(shared_index: WarninglistIndex, kind: str, value: str) -> None:
    assert shared_index.check(kind, normalize(kind, value)) == []


def test_string_lists_match_exactly_as_misp_does(shared_index: WarninglistIndex) -> None:
    # The Cloudflare list is of type "string": MISP compares exactly, so its subdomains are not on
    # it (hostname lists, such as the DNS-resolver hostnames, are the ones that cover subdomains).
    assert TOP_DOMAINS in shared_index.check(T.DOMAIN, "google.com")
    assert TOP_DOMAINS not in shared_index.check(T.DOMAIN, "mail.google.com")


def test_matching_attributes_decide_the_types() -> None:
    index = WarninglistIndex(
        [
            ListRecord("Hashes", "string", ["md5"], ["d41d8cd98f00b204e9800998ecf8427e"]),
            ListRecord("Anything", "string", [], ["d41d8cd98f00b204e9800998ecf8427e"]),
            ListRecord("IP only", "cidr", ["ip-src"], ["192.0.2.0/24"]),
        ]
    )
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    assert index.check(T.MD5, md5) == ["Anything", "Hashes"]
    assert index.check(T.OTHER, md5) == ["Anything"]
    assert index.check(T.IP, "192.0.2.1") == ["IP only"]
    assert index.check(T.URL, "http://192.0.2.1/") == ["IP only"]  # the host counts as an IP


def test_string_lists_ignore_case_for_hostnames_not_for_other_values() -> None:
    index = WarninglistIndex([ListRecord("Names", "string", [], ["Example.ORG", "CaseSensitive"])])
    assert index.check(T.DOMAIN, "example.org") == ["Names"]
    assert index.check(T.OTHER, "CaseSensitive") == ["Names"]
    assert index.check(T.OTHER, "casesensitive") == []


def test_substring_and_regex_lists() -> None:
    index = WarninglistIndex(
        [
            ListRecord("Sub", "substring", [], ["amazonaws.com", ".cdn."]),
            ListRecord("Re", "regex", ["url"], ["/^https?://[a-z]+\\.example\\//i", "^ftp:"]),
        ]
    )
    assert index.check(T.DOMAIN, "s3.eu-west-1.amazonaws.com") == ["Sub"]
    assert index.check(T.URL, "https://www.example/x") == ["Re"]
    assert index.check(T.URL, "ftp://files.cdn.example.net/") == ["Re", "Sub"]
    assert index.check(T.DOMAIN, "www.example") == []  # the regex list is for URLs only


def test_regexes_that_cannot_be_combined_still_work() -> None:
    index = WarninglistIndex(
        [ListRecord("Re", "regex", [], ["(?P<x>a)b", "(?P<x>c)d", "(?i)HELLO"])]
    )
    assert index.check(T.OTHER, "cd") == ["Re"]
    assert index.check(T.OTHER, "hello") == ["Re"]
    assert index.check(T.OTHER, "zz") == []


def test_overlapping_networks_of_several_lists() -> None:
    index = WarninglistIndex(
        [
            ListRecord("Wide", "cidr", [], ["10.0.0.0/8"]),
            ListRecord("Narrow", "cidr", [], ["10.1.0.0/16", "10.1.2.3"]),
            ListRecord("Edge", "cidr", [], ["255.255.255.255", "::/0"]),
        ]
    )
    assert index.check(T.IP, "10.1.2.3") == ["Narrow", "Wide"]
    assert index.check(T.IP, "10.2.0.0") == ["Wide"]
    assert index.check(T.IP, "11.0.0.0") == []
    assert index.check(T.IP, "255.255.255.255") == ["Edge"]
    assert index.check(T.IP, "2001:db8::1") == ["Edge"]
    assert index.check(T.CIDR, "10.1.0.0/17") == ["Narrow", "Wide"]
    assert index.check(T.CIDR, "10.0.0.0/7") == []


def test_check_many_answers_in_order(shared_index: WarninglistIndex) -> None:
    answers = shared_index.check_many([(T.IP, "8.8.8.8"), (T.IP, "103.10.20.30")])
    assert answers == [[DNS_V4], []]


# --- Property tests ------------------------------------------------------------------------------

_ipv4 = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
_ipv6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_domain = st.lists(_label, min_size=2, max_size=5).map(".".join)


@settings(max_examples=300)
@given(st.one_of(_ipv4, _ipv6), _domain, st.text(max_size=40))
def test_random_values_never_crash(
    shared_index: WarninglistIndex, ip: str, domain: str, junk: str
) -> None:
    for kind, value in [
        (T.IP, ip),
        (T.DOMAIN, domain),
        (T.URL, f"http://{domain}/"),
        (T.EMAIL, f"a@{domain}"),
        (T.IP, junk),
        (T.CIDR, junk),
        (T.DOMAIN, junk),
        (T.URL, junk),
        (T.EMAIL, junk),
        (T.OTHER, junk),
    ]:
        assert isinstance(shared_index.check(kind, value), list)


def _naive_check(records: list[ListRecord], kind: str, value: str) -> list[str]:
    """The obvious, slow implementation of the documented semantics, list by list."""
    host_kind, host = "", ""
    if kind == T.URL:
        host = value.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
        host_kind = T.IP if _is_ip(host) else T.DOMAIN
    elif kind == T.EMAIL:
        host_kind, host = T.DOMAIN, value.rsplit("@", 1)[1]
    hits = []
    for record in records:
        applies = observable_types_for(record.matching_attributes)
        if (kind in applies and _naive_hit(record, kind, value)) or (
            host
            and (kind in applies or host_kind in applies)
            and _naive_hit(record, host_kind, host, part=True)
        ):
            hits.append(record.name)
    return sorted(set(hits))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _naive_hit(record: ListRecord, kind: str, value: str, *, part: bool = False) -> bool:
    if record.type == "cidr":
        if kind == T.IP:
            return any(
                ipaddress.ip_address(value) in ipaddress.ip_network(v, strict=False)
                for v in record.values
                if ipaddress.ip_network(v, strict=False).version
                == ipaddress.ip_address(value).version
            )
        if kind == T.CIDR:
            query = ipaddress.ip_network(value)
            networks = [ipaddress.ip_network(v, strict=False) for v in record.values]
            return _covered(query, networks)
        return False
    if record.type == "hostname":
        if kind != T.DOMAIN:
            return False
        return any(value == host_key(v) or value.endswith("." + host_key(v)) for v in record.values)
    if record.type == "string":
        if kind in (T.DOMAIN, T.IP, T.CIDR, T.EMAIL):
            return value.lower() in {v.lower() for v in record.values}
        return value in record.values
    if part:  # substring and regex lists see the whole value, not the host
        return False
    if record.type == "substring":
        return any(v in value for v in record.values)
    return any(re.search(regex_body(v), value) for v in record.values)


def _covered(query: ipaddress.IPv4Network | ipaddress.IPv6Network, networks: list) -> bool:
    # Every address of the query inside some network: check the query's own and its halves.
    same = [n for n in networks if n.version == query.version]
    if any(query.subnet_of(n) for n in same):
        return True
    if not any(n.subnet_of(query) for n in same) or query.prefixlen == query.max_prefixlen:
        return False
    return all(_covered(half, same) for half in query.subnets())


_small_v4 = st.integers(0, 255).map(lambda n: f"10.0.{n // 16}.{n}")
_small_net = st.tuples(st.integers(0, 255), st.integers(22, 32)).map(
    lambda t: str(ipaddress.ip_network(f"10.0.{t[0] // 16}.{t[0]}/{t[1]}", strict=False))
)
_small_label = st.sampled_from(["a", "b", "c", "ex", "dyn"])
_small_domain = st.lists(_small_label, min_size=2, max_size=4).map(".".join)
_attributes = st.sampled_from([[], ["ip-src"], ["domain"], ["url"], ["domain|ip"], ["email-src"]])


@st.composite
def _records(draw: st.DrawFn) -> list[ListRecord]:
    records = []
    for number in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["cidr", "hostname", "string", "substring", "regex"]))
        if kind == "cidr":
            values = draw(st.lists(_small_net | _small_v4, min_size=1, max_size=6))
        elif kind == "regex":
            values = draw(
                st.lists(st.sampled_from(["^a\\.", "ex$", "b\\.c", "/DYN/i"]), min_size=1)
            )
        elif kind == "substring":
            values = draw(st.lists(st.sampled_from(["a.", ".ex", "10.0.1", "dyn"]), min_size=1))
        else:
            values = draw(st.lists(_small_domain | _small_v4, min_size=1, max_size=6))
        records.append(ListRecord(f"L{number}", kind, draw(_attributes), values))
    return records


_queries = st.one_of(
    _small_v4.map(lambda v: (T.IP, v)),
    _small_net.map(lambda v: (T.CIDR, v)),
    _small_domain.map(lambda v: (T.DOMAIN, v)),
    _small_domain.map(lambda v: (T.URL, f"https://{v}/path")),
    _small_v4.map(lambda v: (T.URL, f"http://{v}:8080/")),
    _small_domain.map(lambda v: (T.EMAIL, f"user@{v}")),
)


@settings(max_examples=400)
@given(_records(), st.lists(_queries, min_size=1, max_size=10))
def test_matcher_agrees_with_the_naive_reference(
    records: list[ListRecord], queries: list[tuple[str, str]]
) -> None:
    index = WarninglistIndex(records)
    for kind, value in queries:
        assert index.check(kind, value) == _naive_check(records, kind, value), (kind, value)
