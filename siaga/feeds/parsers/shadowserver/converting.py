"""Converting a table of text columns into harmonized columns: one polars expression per rule of
the report type, all run in one ``select``; rows whose required fields cannot be read are refused
with a reason naming the column."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.columns import (
    FALSE_WORDS,
    FQDN_PATTERN,
    IPV4_PATTERN,
    PLACEHOLDERS,
    TRUE_WORDS,
    blank_to_null,
    canonical_ips,
    canonical_networks,
)
from siaga.feeds.parsers.common import QuarantinedRow
from siaga.feeds.parsers.shadowserver.reading import Lines
from siaga.feeds.parsers.shadowserver.schema import (
    ADDRESS_CONVERSIONS,
    FALLIBLE_CONVERSIONS,
    PROVIDER,
    ReportType,
    SchemaError,
)

# --- Converting: one polars expression per rule, all run in one select ------------------------------


def selection(
    report: ReportType, header: list[str], observed: datetime, *, keep_extra: bool = True
) -> list[pl.Expr]:
    """The expressions that turn a table of text columns into harmonized columns, ``extra``,
    ``_row`` and ``_problem`` (why a required field is unusable, null when none is).

    ``keep_extra=False``: ``extra`` stays empty (the pipeline keeps each event's line offset and
    reads the extra columns back from the stored report when someone looks)."""
    fields: dict[str, pl.Expr] = {}
    extra: dict[str, pl.Expr] = {}
    problems: list[pl.Expr] = []
    for rule in report.rules:
        if rule.column not in header:
            continue  # an optional column this report does not have (the constructor checked the
            # required ones): Shadowserver adds and drops columns over the years
        value, invalid = _conversion(rule.column, rule.conversion)
        if rule in report.required_fields and rule.conversion in ADDRESS_CONVERSIONS:
            # Only "missing" here: other spellings are looked at after the select.
            problems.append(
                pl.when(text_of(rule.column).is_null()).then(pl.lit(f"{rule.column}: missing"))
            )
        elif rule in report.required_fields:
            problems.append(
                pl.when(invalid)
                .then(pl.lit(f"{rule.column}: cannot be read"))
                .when(value.is_null())
                .then(pl.lit(f"{rule.column}: missing"))
            )
        elif rule.conversion in FALLIBLE_CONVERSIONS:
            # The field stays empty and the text is kept: under the column's name for a
            # harmonized field, beside the typed extra value (``<key>_text``) for an extra one.
            kept_as = f"{rule.extra_key}_text" if rule.extra_key else rule.column
            extra.setdefault(kept_as, pl.when(invalid).then(text_of(rule.column)))
        key = rule.extra_key
        if key is not None:
            extra[key] = value
        else:
            fields[rule.field] = (
                fields[rule.field].fill_null(value) if rule.field in fields else value
            )
    for column in header:
        if column not in report.columns:
            extra.setdefault(column, pl.col(column))  # the reader gives empty fields as null
    constants = {
        **report.constant_fields,
        "feed.name": report.feed_name,
        "feed.provider": PROVIDER,
    }
    return [
        *[expr.alias(field) for field, expr in fields.items()],
        *[pl.lit(value, pl.String).alias(field) for field, value in constants.items()],
        pl.lit(observed, dtype=harmonized.UTC_TIME).alias("time.observation"),
        _extra_struct(extra if keep_extra else {}),
        pl.col("_row"),
        (pl.concat_str(problems, separator="; ", ignore_nulls=True) if problems else pl.lit(""))
        .replace("", None)
        .alias("_problem"),
    ]


def harmonized_columns(report: ReportType, header: list[str]) -> list[str]:
    """The report's columns that become harmonized fields or decide whether a row is refused:
    all that is read when the extra columns are not kept."""
    return [
        column
        for column in header
        if any(rule.column == column and rule.extra_key is None for rule in report.rules)
        or any(rule.column == column for rule in report.required_fields)
    ]


def text_of(column: str) -> pl.Expr:
    return blank_to_null(pl.col(column))


def _conversion(column: str, conversion: str | None) -> tuple[pl.Expr, pl.Expr]:
    """(converted value, "present but unreadable") for one column."""
    text = text_of(column)
    present = text.is_not_null()
    never = pl.lit(False)
    if conversion in (None, "convert_http_host_and_url"):
        return text, never
    if conversion == "validate_to_none":
        return pl.when(~text.str.to_lowercase().is_in(PLACEHOLDERS)).then(text), never
    if conversion == "add_UTC_to_timestamp":
        value = _timestamp(text)
    elif conversion == "convert_int":
        value = text.cast(pl.Int64, strict=False)
    elif conversion == "invalidate_zero":
        number = text.cast(pl.Int64, strict=False)
        return pl.when(number != 0).then(number), present & number.is_null()
    elif conversion == "convert_float":
        number = text.cast(pl.Float64, strict=False)
        value = pl.when(number.is_finite()).then(number)  # "nan" and "inf" are not numbers here
    elif conversion == "convert_bool":
        lowered = text.str.to_lowercase()
        value = (
            pl.when(lowered.is_in(TRUE_WORDS))
            .then(True)
            .when(lowered.is_in(FALSE_WORDS))
            .then(False)
        )
    elif conversion == "validate_ip":
        # Dotted IPv4 here; anything else is looked at once per distinct value afterwards.
        value = pl.when(text.str.contains(IPV4_PATTERN)).then(text)
        return value, never
    elif conversion == "validate_network":
        value = pl.when(text.str.contains(r"^[0-9a-fA-F:.]+/[0-9]{1,3}$")).then(text)
        return value, never
    elif conversion == "validate_fqdn":
        lowered = text.str.to_lowercase().str.strip_chars_end(".")
        value = pl.when(lowered.str.contains(FQDN_PATTERN) & (lowered.str.len_bytes() <= 253)).then(
            lowered
        )
    else:  # checked when the table was loaded
        raise SchemaError(f"unknown conversion {conversion!r}")
    return value, present & value.is_null()


def _timestamp(text: pl.Expr) -> pl.Expr:
    cleaned = text.str.replace("T", " ", literal=True).str.replace(
        r"(?:Z|z|\+00(?::?00)?| UTC)$", ""
    )
    return cleaned.str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f", strict=False, time_zone="UTC", time_unit="us"
    )


def fix_unusual_addresses(
    converted: pl.DataFrame, table: pl.DataFrame, report: ReportType, *, keep_extra: bool = True
) -> pl.DataFrame:
    """Addresses and networks the expressions did not take (IPv6, odd spellings): checked once per
    distinct value with ``ipaddress``; a required one that is still unreadable refuses its row, an
    optional one keeps its text in ``extra`` (unless extras are read back from the line)."""
    for rule in report.rules:
        if (
            rule.conversion not in ADDRESS_CONVERSIONS
            or rule.extra_key
            or rule.column not in table.columns
        ):
            continue
        source = blank_to_null(pl.col(rule.column))
        current = converted.get_column(rule.field)
        pending = table.select(source).to_series().filter(current.is_null())
        if pending.null_count() == pending.len():
            continue
        canonical = (canonical_ips if rule.conversion == "validate_ip" else canonical_networks)(
            table.select(source).to_series()
        )
        fixed = current.fill_null(canonical)
        unreadable = table.select(source.is_not_null()).to_series() & fixed.is_null()
        converted = converted.with_columns(fixed.alias(rule.field))
        if rule in report.required_fields:
            converted = converted.with_columns(
                pl.when(pl.lit(unreadable))
                .then(
                    pl.concat_str(
                        [pl.col("_problem"), pl.lit(f"{rule.column}: cannot be read")],
                        separator="; ",
                        ignore_nulls=True,
                    )
                )
                .otherwise(pl.col("_problem"))
                .alias("_problem")
            )
        elif keep_extra:
            converted = _keep_in_extra(converted, rule.column, table, unreadable)
    return converted


def _keep_in_extra(
    converted: pl.DataFrame, column: str, table: pl.DataFrame, unreadable: pl.Series
) -> pl.DataFrame:
    """Add the unreadable text of an optional column to ``extra`` under the column's name."""
    if not unreadable.any():
        return converted
    kept = pl.select(pl.when(pl.lit(unreadable)).then(pl.lit(table.get_column(column)))).to_series()
    if isinstance(converted.schema["extra"], pl.Struct):
        extra = pl.col("extra").struct.with_fields(pl.lit(kept).alias(column))
    else:
        extra = pl.struct(pl.lit(kept).alias(column))
    return converted.with_columns(extra.alias("extra"))


def refusals(
    refused: pl.DataFrame, table: pl.DataFrame, lines: Lines, first_row: int
) -> list[QuarantinedRow]:
    """Quarantined rows with their original text: kept by the careful path; the fast path read
    every line as one record, so the n-th line of the chunk is row ``first_row + n``."""
    rows = refused.get_column("_row")
    kept = dict(
        table.filter(pl.col("_row").is_in(rows.implode())).select("_row", "_line").iter_rows()
    )
    quarantined = []
    for row, reason in refused.select("_row", "_problem").iter_rows():
        raw = kept.get(row)
        if raw is None:
            raw = lines.text(row - first_row)
        quarantined.append(QuarantinedRow(row=row, reason=reason, raw=raw))
    return quarantined


def _extra_struct(extra: dict[str, pl.Expr]) -> pl.Expr:
    """The extra values as one struct column: building it copies nothing; it becomes JSON only
    where events are stored or exported (``harmonized.extra_to_json``)."""
    if not extra:
        return pl.lit(None, pl.String).alias("extra")
    return pl.struct([value.alias(key) for key, value in extra.items()]).alias("extra")


def empty_with_row() -> pl.DataFrame:
    return harmonized.empty_frame().with_columns(pl.lit(None, dtype=pl.Int64).alias("_row"))
