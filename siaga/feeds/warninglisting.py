"""Which feed events concern known-benign values (MISP warninglists)? Column-wise.

An event whose source address, host or URL is on an enabled warninglist is stored like any other
but flagged ``warninglisted``: digests leave it out (kept out of alerting, as for indicators), and
the analyst still finds it. IPv4 addresses are matched against the CIDR lists' intervals with one
``numpy.searchsorted`` and against the exact-value lists with one ``is_in``; host names and URLs
(few distinct values per report) go through the matcher once per distinct value.
"""

from __future__ import annotations

import polars as pl

from siaga.feeds.columns import in_ranges, ipv4_numbers
from siaga.warninglists.matching import WarninglistIndex

FLAG = "warninglisted"


def flag_warninglisted(frame: pl.DataFrame, index: WarninglistIndex) -> pl.DataFrame:
    flagged = _by_address(frame.get_column("source.ip"), index)
    for column, kind in (("source.fqdn", "domain"), ("source.url", "url")):
        flagged = flagged | _by_value(frame.get_column(column), kind, index)
    return frame.with_columns(flagged.alias(FLAG))


def _by_address(addresses: pl.Series, index: WarninglistIndex) -> pl.Series:
    exact = index.exact_values("ip")
    flagged = addresses.is_in(sorted(exact)).fill_null(False) if exact else _none(len(addresses))
    starts, ends = index.ipv4_arrays()
    if len(starts):
        _position, inside = in_ranges(ipv4_numbers(addresses), starts, ends)
        flagged = flagged | pl.Series(inside)
    # IPv6 (and any other spelling): through the matcher, once per distinct value.
    not_ipv4 = pl.select(pl.when(ipv4_numbers(addresses).is_null()).then(pl.lit(addresses)))
    flagged = flagged | _by_value(not_ipv4.to_series(), "ip", index)
    return flagged


def _by_value(values: pl.Series, kind: str, index: WarninglistIndex) -> pl.Series:
    distinct = values.drop_nulls().unique().to_list()
    if not distinct:
        return _none(len(values))
    listed = {value: bool(index.check(kind, value)) for value in distinct}
    return values.replace_strict(listed, default=False, return_dtype=pl.Boolean).fill_null(False)


def _none(length: int) -> pl.Series:
    return pl.Series(FLAG, [False] * length, dtype=pl.Boolean)
