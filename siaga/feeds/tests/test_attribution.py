"""Events attributed to the constituent that owns the address, AS number or domain."""

from __future__ import annotations

import polars as pl

from siaga.constituents.lookup import AssetRecord, OwnershipIndex
from siaga.feeds import harmonized
from siaga.feeds.attribution import CONSTITUENT, MATCHED_BY, attribute

INDEX = OwnershipIndex(
    [
        AssetRecord(1, "RSUD Wide", "ip_range", "192.0.2.0/24"),
        AssetRecord(2, "RSUD Narrow", "ip_range", "192.0.2.128/25"),
        AssetRecord(3, "Dinkes ASN", "asn", "AS64500"),
        AssetRecord(4, "RSUD Domain", "domain", "rsud.go.id"),
        AssetRecord(5, "Lab IPv6", "ip_range", "2001:db8::/32"),
    ]
)


def attributed(**columns) -> list[tuple]:
    frame = attribute(harmonized.conform(pl.DataFrame(columns)), INDEX)
    return frame.select(CONSTITUENT, MATCHED_BY).rows()


def test_the_most_specific_network_wins():
    rows = attributed(**{"source.ip": ["192.0.2.1", "192.0.2.200", "192.0.2.255", "192.0.3.0"]})
    assert rows == [(1, "ip"), (2, "ip"), (2, "ip"), (None, None)]


def test_ipv6_asn_and_domain_answer_in_that_order():
    rows = attributed(
        **{
            "source.ip": ["2001:db8::5", "198.51.100.1", None, None, "192.0.2.1"],
            "source.asn": [None, 64500, None, None, 64500],
            "source.fqdn": [None, None, "mail.rsud.go.id", None, "rsud.go.id"],
            "source.url": [None, None, None, "https://www.RSUD.go.id/login", None],
        }
    )
    assert rows == [(5, "ip"), (3, "asn"), (4, "domain"), (4, "domain"), (1, "ip")]


def test_a_domain_that_only_ends_like_a_registered_one_is_not_its():
    assert attributed(**{"source.fqdn": ["notrsud.go.id", "go.id"]}) == [(None, None)] * 2


def test_an_empty_registry_attributes_nothing():
    frame = harmonized.conform(pl.DataFrame({"source.ip": ["192.0.2.1"], "source.asn": [1]}))
    result = attribute(frame, OwnershipIndex([]))
    assert result.get_column(CONSTITUENT).to_list() == [None]


def test_prepare_reads_each_address_column_once_for_every_step(monkeypatch):
    """Enrichment, attribution, warninglists and intelligence share one ``AddressColumn`` per
    address column: its numbers are computed once per chunk, not once per step."""
    from siaga.feeds import columns, pipeline
    from siaga.feeds.correlating import FLAG as INTEL_FLAG
    from siaga.feeds.correlating import IntelIndex
    from siaga.feeds.warninglisting import FLAG
    from siaga.warninglists.matching import ListRecord, WarninglistIndex

    computed: list[list[str | None]] = []
    real = columns.ipv4_numbers

    def counted(texts: pl.Series) -> pl.Series:
        computed.append(texts.to_list())
        return real(texts)

    monkeypatch.setattr(columns, "ipv4_numbers", counted)
    warninglists = WarninglistIndex(
        [ListRecord("Resolvers", "cidr", ["ip-src"], ["192.0.2.128/26", "2001:db8:5::/48"])]
    )
    intel = IntelIndex([("cidr", "192.0.2.0/28"), ("ip", "2001:db8::7")])
    addresses = ["192.0.2.1", "192.0.2.130", "2001:db8::7", "2001:db8:5::1", "198.51.100.1"]
    frame = harmonized.conform(pl.DataFrame({"source.ip": addresses}))

    prepared = pipeline.prepare(frame, INDEX, frozenset(), warninglists, intel)

    # source.ip once for attribution, warninglists and intelligence; destination.ip (empty) once.
    assert computed == [addresses, [None] * len(addresses)]
    assert prepared.select(CONSTITUENT, FLAG, INTEL_FLAG).rows() == [
        (1, False, True),
        (2, True, False),
        (5, False, True),
        (5, True, False),
        (None, False, False),
    ]
