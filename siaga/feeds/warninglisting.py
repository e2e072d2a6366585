"""Which feed events concern known-benign values (MISP warninglists)? Column-wise.

An event whose source address, host or URL is on an enabled warninglist is stored like any other
but flagged ``warninglisted``: digests leave it out (kept out of alerting, as for indicators), and
the analyst still finds it. IPv4 addresses are matched against the CIDR lists' intervals with one
``numpy.searchsorted`` and against the exact-value lists with one ``is_in``; host names and URLs
(few distinct values per report) go through the matcher once per distinct value.
"""

from __future__ import annotations

import polars as pl

from siaga.feeds.columns import AddressColumn, address_column
from siaga.warninglists.matching import WarninglistIndex

FLAG = "warninglisted"


def flag_warninglisted(
    frame: pl.DataFrame,
    index: WarninglistIndex,
    *,
    addresses: dict[str, AddressColumn] | None = None,
) -> pl.DataFrame:
    """``addresses``: the frame's address columns made already (``columns.address_column``)."""
    flagged = _by_address(address_column(frame, "source.ip", addresses), index)
    for column, kind in (("source.fqdn", "domain"), ("source.url", "url")):
        flagged = flagged | _by_value(frame.get_column(column), kind, index)
    return frame.with_columns(flagged.alias(FLAG))


def _by_address(addresses: AddressColumn, index: WarninglistIndex) -> pl.Series:
    texts = addresses.texts
    exact = index.exact_values("ip")
    flagged = texts.is_in(sorted(exact)).fill_null(False) if exact else _none(len(texts))
    starts, ends = index.ipv4_arrays()
    if len(starts):
        _position, inside = addresses.in_ranges(starts, ends)
        flagged = flagged | pl.Series(inside)
    # IPv6 (and any other spelling): through the matcher, once per distinct value.
    if addresses.others:
        listed = {value: bool(index.check("ip", value)) for value in addresses.others}
        flagged = flagged | _listed(texts, listed)
    return flagged


def _by_value(values: pl.Series, kind: str, index: WarninglistIndex) -> pl.Series:
    distinct = values.drop_nulls().unique().to_list()
    if not distinct:
        return _none(len(values))
    return _listed(values, {value: bool(index.check(kind, value)) for value in distinct})


def _listed(values: pl.Series, listed: dict[str, bool]) -> pl.Series:
    return values.replace_strict(listed, default=False, return_dtype=pl.Boolean).fill_null(False)


def _none(length: int) -> pl.Series:
    return pl.Series(FLAG, [False] * length, dtype=pl.Boolean)
