"""Reading the time fields of a mapped report: a ``time_format``, or ISO 8601 and epoch numbers."""

from __future__ import annotations

import polars as pl

from siaga.feeds.columns import blank_to_null
from siaga.feeds.parsers.intelmq import convert as convert_kind

# Epoch seconds (9-10 digits, 2001 to 2286, optional fraction) or milliseconds (12-13 digits).
_EPOCH_SECONDS = r"^[0-9]{9,10}(?:\.[0-9]{1,6})?$"
_EPOCH_MILLIS = r"^[0-9]{12,13}$"


def formatted_times(text: pl.Series, time_format: str) -> tuple[pl.Series, pl.Series | None]:
    """Times written in the mapping's ``time_format`` (UTC unless it reads an offset), and the mask
    of given-but-unreadable values."""
    given = pl.select(blank_to_null(pl.lit(text))).to_series()
    try:
        moment = given.str.to_datetime(time_format, time_unit="us", strict=False)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
        raise ValueError(f"time_format cannot read the times ({exc})") from exc
    moment = _as_utc(moment)
    moment = pl.select(pl.when(moment.dt.year().is_between(1, 9999)).then(moment)).to_series()
    invalid = given.is_not_null() & moment.is_null()
    return moment.alias(text.name), invalid if invalid.any() else None


def iso_or_epoch(text: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    """ISO 8601 (the IntelMQ reading), or seconds / milliseconds since 1970 for all-digit values."""
    given = pl.select(blank_to_null(pl.lit(text))).to_series().alias(text.name)
    seconds = given.str.contains(_EPOCH_SECONDS).fill_null(False)
    millis = given.str.contains(_EPOCH_MILLIS).fill_null(False)
    epoch = seconds | millis
    if not epoch.any():
        return convert_kind(given, "time")
    iso, _invalid = convert_kind(
        pl.select(pl.when(~epoch).then(given)).to_series().alias(text.name), "time"
    )
    micros = pl.select(
        pl.when(seconds)
        .then((given.cast(pl.Float64, strict=False) * 1_000_000).round().cast(pl.Int64))
        .when(millis)
        .then(given.cast(pl.Int64, strict=False) * 1_000)
    ).to_series()
    from_epoch = micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    value = pl.select(pl.when(epoch).then(from_epoch).otherwise(iso)).to_series().alias(text.name)
    invalid = given.is_not_null() & value.is_null()
    return value, invalid if invalid.any() else None


def _as_utc(moment: pl.Series) -> pl.Series:
    dtype = moment.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return moment.dt.convert_time_zone("UTC")
    return moment.dt.replace_time_zone("UTC")
