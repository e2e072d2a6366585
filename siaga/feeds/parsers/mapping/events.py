"""What the CSV and JSON readers share: from the mapped fields' text columns to events and
quarantined rows (conversion, classification, constants, the ``extra`` object)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow

# One set of rules for a field, whichever parser reads it (see ``spec``).
from siaga.feeds.parsers.intelmq import EXPECTED, INVALID, KINDS, as_text
from siaga.feeds.parsers.intelmq import convert as convert_kind
from siaga.feeds.parsers.mapping.spec import RSIT_TYPES, TYPE_PAIRS, FieldMapping
from siaga.feeds.parsers.mapping.times import formatted_times, iso_or_epoch
from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS

BOM = b"\xef\xbb\xbf"

Check = tuple[pl.Expr, str]


def extra_sources(spec: FieldMapping) -> dict[str, str]:
    """``extra`` key → the column or JSON key it comes from (``extra`` list and ``extra.*`` fields)."""
    sources = {name: name for name in spec.extra}
    prefix = harmonized.EXTRA_PREFIX
    sources.update(
        {
            name.removeprefix(prefix): source
            for name, source in spec.fields.items()
            if name.startswith(prefix)
        }
    )
    return sources


def to_events(
    frame: pl.DataFrame,
    texts: dict[str, tuple[pl.Series, str]],
    wrong: dict[str, pl.Series],
    members: dict[str, pl.Series],
    spec: FieldMapping,
    observed: datetime,
    feed_name: str,
) -> ParseResult:
    """Convert and check every mapped field (reasons name the field and its source), classify,
    and split the records into events and quarantined rows."""
    checks: list[Check] = []
    columns: list[pl.Series] = []
    extra_members = dict(members)
    for name, value in spec.constants.items():
        if name.startswith(harmonized.EXTRA_PREFIX):
            constant = orjson.dumps(value).decode()
            extra_members[name.removeprefix(harmonized.EXTRA_PREFIX)] = pl.Series(
                [constant] * frame.height, dtype=pl.String
            )
    for name, (text, where) in texts.items():
        if name in wrong:
            expected = EXPECTED[KINDS[name]]
            checks.append(
                (pl.lit(wrong[name]), f"{name} ({where}): wrong type, expected {expected}")
            )
        value, invalid = _convert(text.alias(name), spec)
        columns.append(value)
        if invalid is not None:
            checks.append(
                (pl.lit(invalid), f"{name} ({where}): {INVALID.get(KINDS[name], 'not readable')}")
            )
    frame = frame.with_columns(columns)
    classified, classification_checks = _classification(frame, spec, texts)
    frame = flag(frame, [*checks, *classification_checks]).with_columns(classified)
    return _finish(frame, extra_members, spec, observed, feed_name)


def _convert(text: pl.Series, spec: FieldMapping) -> tuple[pl.Series, pl.Series | None]:
    """One field's text as its harmonized value, and the mask of given-but-unreadable values."""
    if text.name not in harmonized.TIME_FIELDS:
        return convert_kind(text, KINDS[text.name])
    if spec.time_format is None:
        return iso_or_epoch(text)
    return formatted_times(text, spec.time_format)


def _classification(
    frame: pl.DataFrame, spec: FieldMapping, texts: dict[str, tuple[pl.Series, str]]
) -> tuple[list[pl.Expr], list[Check]]:
    """The classification columns (fixed or per record) and the checks of per-record values."""
    fixed = spec.classification
    identifier = (
        pl.col("classification.identifier")
        if "classification.identifier" in texts
        else pl.lit(fixed.get("identifier"), dtype=pl.String)
    )
    if "classification.type" not in texts:
        return [
            pl.lit(fixed["taxonomy"]).alias("classification.taxonomy"),
            pl.lit(fixed["type"]).alias("classification.type"),
            identifier.alias("classification.identifier"),
        ], []
    where = texts["classification.type"][1]
    written = pl.col("classification.type").str.to_lowercase()
    kind = written.replace_strict({k: v[1] for k, v in TYPE_PAIRS.items()}, default=None)
    derived = written.replace_strict({k: v[0] for k, v in TYPE_PAIRS.items()}, default=None)
    if "classification.taxonomy" in texts:
        given, tax_where = (
            pl.col("classification.taxonomy").str.to_lowercase(),
            texts["classification.taxonomy"][1],
        )
    elif "taxonomy" in fixed:
        given, tax_where = pl.lit(fixed["taxonomy"]), "classification"
    else:
        given, tax_where = pl.lit(None, dtype=pl.String), ""
    own_type = written.is_in(list(RSIT_TYPES))  # IntelMQ's types bring their own class
    checks: list[Check] = [
        (written.is_null(), f"classification.type ({where}): missing"),
        (kind.is_null(), f"classification.type ({where}): not an RSIT type"),
        (
            given.is_not_null() & ~given.is_in(list(RSIT_TYPES_BY_CLASS)),
            f"classification.taxonomy ({tax_where}): not an RSIT class",
        ),
        (
            given.is_not_null() & own_type & (given != derived),
            f"classification.type ({where}): not a type of the given taxonomy",
        ),
    ]
    return [
        derived.alias("classification.taxonomy"),
        kind.alias("classification.type"),
        identifier.alias("classification.identifier"),
    ], checks


def flag(frame: pl.DataFrame, checks: Iterable[Check]) -> pl.DataFrame:
    """Record the first failing check's reason in ``_reason`` (an earlier reason stays). A check
    that evaluates to null, such as one on a missing optional field, does not fail."""
    failures = [pl.when(bad).then(pl.lit(reason)) for bad, reason in checks]
    if not failures:
        return frame
    return frame.with_columns(pl.coalesce(pl.col("_reason"), *failures).alias("_reason"))


def _finish(
    frame: pl.DataFrame,
    members: dict[str, pl.Series],
    spec: FieldMapping,
    observed: datetime,
    feed_name: str,
) -> ParseResult:
    """Events from the unflagged records (constants and defaults filled in), quarantined rows from
    the flagged ones."""
    frame = frame.with_columns(_extra_object(members).alias("extra"))
    flagged = frame.filter(pl.col("_reason").is_not_null()).select("_row", "_reason", "_text")
    quarantine = [
        QuarantinedRow(row=row, reason=reason, raw=text)
        for row, reason, text in flagged.iter_rows()
    ]
    events = harmonized.conform(frame.filter(pl.col("_reason").is_null()))
    constants = [
        pl.lit(_constant_value(name, value)).cast(harmonized.FIELDS[name]).alias(name)
        for name, value in spec.constants.items()
        if not name.startswith(harmonized.EXTRA_PREFIX)
    ]
    events = events.with_columns(
        pl.col("feed.name").fill_null(feed_name),
        pl.col("time.observation").fill_null(pl.lit(observed, dtype=harmonized.UTC_TIME)),
        pl.col("_text").str.encode("base64").alias("raw"),
    ).with_columns(constants)
    return ParseResult(events=events.select([*harmonized.FIELDS, "_row"]), quarantine=quarantine)


def _constant_value(name: str, value: Any) -> Any:
    """A constant as its field's value (checked by ``mapping_errors``)."""
    text, _wrong = as_text([value], KINDS[name])
    if name in harmonized.TIME_FIELDS:
        return iso_or_epoch(text.alias(name))[0][0]
    return convert_kind(text.alias(name), KINDS[name])[0][0]


def _extra_object(members: dict[str, pl.Series]) -> pl.Expr:
    """The ``extra`` JSON object text from members holding JSON text; null members left out
    (constants ``extra.*`` included), no members at all is null."""
    pieces = [
        pl.when(pl.lit(value).is_not_null()).then(
            pl.concat_str([pl.lit(orjson.dumps(key).decode() + ":"), pl.lit(value)])
        )
        for key, value in members.items()
    ]
    if not pieces:
        return pl.lit(None, dtype=pl.String)
    body = pl.concat_str(pieces, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.concat_str([pl.lit("{"), body, pl.lit("}")]))


def utc(moment: datetime) -> datetime:
    """The observation time in UTC; a naive one is a caller's mistake, not something to guess."""
    if moment.tzinfo is None:
        raise ValueError("observation_time must be timezone-aware")
    return moment.astimezone(UTC)
