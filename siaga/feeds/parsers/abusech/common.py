"""What the abuse.ch parsers share: value patterns and the column-wise checks and conversions.

Every check and conversion is a polars expression over whole columns; a record that fails one is
flagged with a reason naming the field (``flag``) and quarantined by ``finish``, never dropped.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime

import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow

PROVIDER = "abuse.ch"

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4_PATTERN = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
# Letters (any script), digits, '-' and '_' in dot-separated labels: what real feeds carry.
HOSTNAME_PATTERN = r"^[\w-]+(?:\.[\w-]+)*$"
# scheme://[userinfo@]host, host up to the port, path, query or fragment (RFC 3986 section 3).
URL_HOST_PATTERN = (
    r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]/?#@]*\]|[^/?#:@\[\]]*)(?:[:/?#]|$)"
)
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

Check = tuple[pl.Expr, str]


def flag(frame: pl.DataFrame, checks: Iterable[Check]) -> pl.DataFrame:
    """Record the first failing check's reason in ``_reason`` (an earlier reason stays). A check
    that evaluates to null, such as one on a missing optional field, does not fail."""
    failures = [pl.when(bad).then(pl.lit(reason)) for bad, reason in checks]
    return frame.with_columns(pl.coalesce(pl.col("_reason"), *failures).alias("_reason"))


def finish(
    frame: pl.DataFrame, feed: str, observation_time: datetime, columns: dict[str, pl.Expr]
) -> ParseResult:
    """Events from the unflagged records, quarantined rows from the flagged ones."""
    flagged = frame.filter(pl.col("_reason").is_not_null()).select("_row", "_reason", "_text")
    quarantine = [
        QuarantinedRow(row=row, reason=reason, raw=text)
        for row, reason, text in flagged.iter_rows()
    ]
    events = frame.filter(pl.col("_reason").is_null()).select(
        pl.lit(feed).alias("feed.name"),
        pl.lit(PROVIDER).alias("feed.provider"),
        pl.lit(observation_time, dtype=harmonized.UTC_TIME).alias("time.observation"),
        *[expr.alias(name) for name, expr in columns.items()],
        pl.col("_text").str.encode("base64").alias("raw"),
        pl.col("_row"),
    )
    return ParseResult(events=harmonized.conform(events), quarantine=quarantine)


def utc(moment: datetime) -> datetime:
    """The observation time in UTC; a naive one is a caller's mistake, not something to guess."""
    if moment.tzinfo is None:
        raise ValueError("observation_time must be timezone-aware")
    return moment.astimezone(UTC)


def with_columns_if_missing(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Null columns for fields a report variant does not have, so one mapping serves all."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in columns.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim the report's text fields; an empty one is a missing one."""
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and not name.startswith("_")
    ]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(text).str.strip_chars() != "").then(pl.col(text).str.strip_chars())
    )


def text_to_integer(frame: pl.DataFrame, column: str, reason: str) -> pl.DataFrame:
    """A CSV or JSON-key column of digits as Int64, flagging what is not a (short) number."""
    digits = pl.col(column).str.contains("^[0-9]{1,18}$")
    frame = flag(frame, [(~digits, reason)])
    return frame.with_columns(
        pl.when(digits).then(pl.col(column).cast(pl.Int64, strict=False)).alias(column)
    )


def unread(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """A value was given but could not be converted."""
    return text.is_not_null() & parsed.is_null()


def datetime_of(text: pl.Expr) -> pl.Expr:
    """Text in the form YYYY-MM-DD HH:MM:SS as a UTC time; null for anything else, including
    years Python cannot hold."""
    parsed = text.str.strptime(pl.Datetime("us"), DATETIME_FORMAT, strict=False)
    return pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed).dt.replace_time_zone("UTC")


def date_of(text: pl.Expr) -> pl.Expr:
    """Text in the form YYYY-MM-DD as midnight UTC of that day; null for anything else."""
    parsed = text.str.strptime(pl.Date, DATE_FORMAT, strict=False)
    day = pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed)
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def iso_text(moment: pl.Expr) -> pl.Expr:
    """A UTC time as ISO 8601 text, the way IntelMQ writes times."""
    return moment.dt.to_string("%Y-%m-%dT%H:%M:%S+00:00")


def split_list(text: pl.Expr) -> pl.Expr:
    """A comma-separated field as a list of items."""
    return tidy_list(text.str.split(","))


def tidy_list(items: pl.Expr | pl.Series) -> pl.Expr:
    """Items trimmed, empty ones left out; null when none is left."""
    tidy = pl.lit(items) if isinstance(items, pl.Series) else items
    tidy = tidy.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element() != "")
    )
    return pl.when(tidy.list.len() > 0).then(tidy)


def url_host(url: pl.Expr) -> pl.Expr:
    """The host of a URL (IPv6 still in brackets); null without a scheme or host."""
    host = url.str.extract(URL_HOST_PATTERN, 1)
    return pl.when(host != "").then(host)


def host_name(text: pl.Expr) -> pl.Expr:
    """A host name, lower-case without the root dot; null if it is not one. All-numeric names are
    malformed IPv4 addresses, not names."""
    name = text.str.to_lowercase().str.strip_suffix(".")
    valid = (
        name.str.contains(HOSTNAME_PATTERN)
        & ~name.str.contains(r"^[0-9.]+$")
        & (name.str.len_chars() <= 253)
    )
    return pl.when(valid).then(name)


def with_host(frame: pl.DataFrame, host: pl.Expr) -> pl.DataFrame:
    """``_host`` as given, and ``_ip`` or ``_fqdn``: the address or the name it holds."""
    frame = frame.with_columns(host.alias("_host"))
    bracketed = frame["_host"].str.starts_with("[") & frame["_host"].str.ends_with("]")
    literal = pl.select(
        pl.when(bracketed).then(frame["_host"].str.slice(1).str.head(-1)).otherwise(frame["_host"])
    ).to_series()
    return frame.with_columns(
        ips(literal).alias("_ip"),
        pl.when(~bracketed).then(host_name(pl.col("_host"))).alias("_fqdn"),
    )


def ips(texts: pl.Series) -> pl.Series:
    """IP addresses in their normal text form, null where the text is not one. IPv4 is checked as
    a column; the few IPv6 candidates (texts with a colon) go through ``ipaddress`` once each."""
    is_v4 = texts.str.contains(IPV4_PATTERN)
    candidates = texts.filter(~is_v4 & texts.str.contains(":")).unique().to_list()
    v6 = {text: _ipv6(text) for text in candidates}
    normal_v6 = texts.replace_strict(v6, default=None, return_dtype=pl.String)
    return pl.select(pl.when(is_v4).then(texts).otherwise(normal_v6)).to_series()


def _ipv6(text: str) -> str | None:
    """The compressed form of an IPv6 address, or None."""
    if "%" in text:  # a zone index names an interface of the reporting host, not an address
        return None
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def extra(**members: pl.Expr) -> pl.Expr:
    """The ``extra`` JSON object; null members are left out, and no members at all is null."""
    encoded = [
        pl.when(expr.is_not_null()).then(
            pl.struct(expr.alias(key)).struct.json_encode().str.slice(1).str.head(-1)
        )
        for key, expr in members.items()
    ]
    body = pl.concat_str(encoded, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.concat_str([pl.lit("{"), body, pl.lit("}")]))
