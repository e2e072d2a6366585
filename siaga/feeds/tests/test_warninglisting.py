"""Feed events on an enabled warninglist are flagged (and digests leave them out)."""

from __future__ import annotations

import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.warninglisting import FLAG, flag_warninglisted
from siaga.warninglists.matching import ListRecord, WarninglistIndex

INDEX = WarninglistIndex(
    [
        ListRecord(
            "Public DNS resolvers", "cidr", ["ip-src", "ip-dst"], ["8.8.8.0/24", "2001:4860::/32"]
        ),
        ListRecord("One sinkhole", "string", ["ip-src"], ["198.51.100.99"]),
        ListRecord("Big clouds", "hostname", ["domain", "hostname", "url"], ["example-cloud.com"]),
        ListRecord("Not for addresses", "cidr", ["domain"], ["192.0.2.0/24"]),
    ]
)


def flagged(**columns) -> list[bool]:
    frame = harmonized.conform(pl.DataFrame(columns))
    return flag_warninglisted(frame, INDEX).get_column(FLAG).to_list()


def test_addresses_on_cidr_and_exact_lists_are_flagged():
    assert flagged(
        **{"source.ip": ["8.8.8.8", "8.8.9.1", "198.51.100.99", "2001:4860::8888", None]}
    ) == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_a_list_that_does_not_apply_to_addresses_flags_none():
    assert flagged(**{"source.ip": ["192.0.2.10"]}) == [False]


def test_hosts_and_urls_are_checked_too():
    assert flagged(
        **{
            "source.fqdn": ["cdn.example-cloud.com", "rsud.go.id", None],
            "source.url": [None, "https://www.example-cloud.com/x", "https://rsud.go.id/"],
        }
    ) == [True, True, False]


def test_no_lists_no_flags():
    frame = harmonized.conform(pl.DataFrame({"source.ip": ["8.8.8.8"]}))
    assert flag_warninglisted(frame, WarninglistIndex([])).get_column(FLAG).to_list() == [False]
