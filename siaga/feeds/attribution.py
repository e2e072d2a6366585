"""Which constituent does each event concern? The registry's ownership index, column-wise.

Per event, the first that answers: the IP address (longest prefix: the index's disjoint intervals
carry the most specific owner), then the AS number, then the host name (the most specific
registered domain suffix of ``source.fqdn`` or of the URL's host). IPv4 addresses — nearly all —
are matched with one ``numpy.searchsorted`` over the whole column; IPv6 addresses, AS numbers and
host names once per distinct value.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import polars as pl

from siaga.constituents.lookup import OwnershipIndex
from siaga.feeds.columns import AddressColumn, address_column

CONSTITUENT = "constituent"  # the owning organization's id (Siaga's, not an IntelMQ field)
MATCHED_BY = "constituent_matched_by"  # "ip", "asn" or "domain"


def attribute(
    frame: pl.DataFrame,
    index: OwnershipIndex,
    *,
    side: str = "source",
    addresses: dict[str, AddressColumn] | None = None,
) -> pl.DataFrame:
    """``frame`` with the owning organization of each event's ``side`` and what matched it.
    ``addresses``: address columns by name, their numbers computed already (by ``enrich``)."""
    address = f"{side}.ip"
    by_ip = _by_ip(address_column(frame, address, addresses), index)
    by_asn = _by_asn(frame.get_column(f"{side}.asn"), index)
    by_domain = _by_domain(frame, side, index)
    owner = pl.coalesce(pl.lit(by_ip), pl.lit(by_asn), pl.lit(by_domain))
    matched = (
        pl.when(pl.lit(by_ip).is_not_null())
        .then(pl.lit("ip"))
        .when(pl.lit(by_asn).is_not_null())
        .then(pl.lit("asn"))
        .when(pl.lit(by_domain).is_not_null())
        .then(pl.lit("domain"))
    )
    return frame.with_columns(owner.alias(CONSTITUENT), matched.alias(MATCHED_BY))


def _by_ip(addresses: AddressColumn, index: OwnershipIndex) -> pl.Series:
    starts, ends, owners = index.ipv4_arrays()
    height = len(addresses.texts)
    if len(starts):
        position, inside = addresses.in_ranges(starts, ends)
        found = pl.Series("by_ip", owners[position], dtype=pl.Int64)
        result = pl.select(pl.when(pl.lit(inside)).then(pl.lit(found))).to_series()
    else:
        result = pl.Series("by_ip", [None] * height, dtype=pl.Int64)
    others = addresses.others
    if others:
        mapping = {value: _first(index.owners_of_ip(value)) for value in others}
        result = result.fill_null(
            addresses.texts.replace_strict(mapping, default=None, return_dtype=pl.Int64)
        )
    return result.alias("by_ip")


def _by_asn(numbers: pl.Series, index: OwnershipIndex) -> pl.Series:
    owners = index.asn_owner_ids()
    if not owners:
        return pl.Series("by_asn", [None] * len(numbers), dtype=pl.Int64)
    return numbers.replace_strict(owners, default=None, return_dtype=pl.Int64).alias("by_asn")


def _by_domain(frame: pl.DataFrame, side: str, index: OwnershipIndex) -> pl.Series:
    hosts = frame.get_column(f"{side}.fqdn")
    url_column = f"{side}.url"
    if url_column in frame.columns:
        urls = frame.get_column(url_column)
        distinct_urls = urls.drop_nulls().unique().to_list()
        if distinct_urls:
            url_hosts = {url: _url_host(url) for url in distinct_urls}
            hosts = hosts.fill_null(
                urls.replace_strict(url_hosts, default=None, return_dtype=pl.String)
            )
    distinct = hosts.drop_nulls().unique().to_list()
    if not distinct:
        return pl.Series("by_domain", [None] * len(hosts), dtype=pl.Int64)
    mapping = {host: _first(index.owners_of_domain(host)) for host in distinct}
    return hosts.replace_strict(mapping, default=None, return_dtype=pl.Int64).alias("by_domain")


def _url_host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _first(owners: list) -> int | None:
    return owners[0].organization_id if owners else None
