"""CSV reports read by the operator's mapping (``parse_mapped_csv``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.columns import blank_to_null
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.mapping.events import BOM, extra_sources, flag, to_events, utc
from siaga.feeds.parsers.mapping.spec import FieldMapping, read_mapping

CSV_FEED_NAME = "CSV feed"
_BLANK = b" \t"  # what a blank line holds, and what may come before a comment mark


def parse_mapped_csv(
    data: bytes, mapping: Mapping[str, Any], *, observation_time: datetime
) -> ParseResult:
    """A CSV report read by the operator's mapping: one event per data line."""
    spec = read_mapping(mapping)
    observed = utc(observation_time)
    lines = [line.removesuffix(b"\r") for line in data.removeprefix(BOM).split(b"\n")]
    lines = [line for line in lines if line.strip(_BLANK) and not _is_comment(line, spec)]
    names, lines = _header(lines, spec)
    frame, values = _csv_lines(lines, names, spec)
    texts = {
        name: (values[column], f"column “{column}”")
        for name, column in spec.fields.items()
        if not name.startswith(harmonized.EXTRA_PREFIX)
    }
    members = {key: _json_text(values[column]) for key, column in extra_sources(spec).items()}
    return to_events(frame, texts, {}, members, spec, observed, CSV_FEED_NAME)


def _is_comment(line: bytes, spec: FieldMapping) -> bool:
    prefix = spec.comment_prefix
    return prefix is not None and line.lstrip(_BLANK).startswith(prefix.encode())


def _header(lines: list[bytes], spec: FieldMapping) -> tuple[list[str], list[bytes]]:
    """The column names and the data lines; ``ValueError`` when the header lacks a mapped column."""
    if not spec.has_header:
        return list(spec.columns), lines
    if not lines:
        return list(spec.sources), lines  # an empty report: nothing to read, nothing missing
    text = lines[0].decode("utf-8", "replace")
    try:
        names = [name.strip() for name in next(csv.reader([text], **_dialect(spec)), [])]
    except csv.Error as exc:
        raise ValueError(f"the CSV header cannot be read ({exc})") from exc
    if len(set(names)) != len(names):
        raise ValueError(f"the CSV header names a column twice: {text[:300]}")
    missing = [source for source in spec.sources if source not in names]
    if missing:
        raise ValueError(
            f"the CSV header lacks the mapped columns {', '.join(missing)} "
            f"(it has: {', '.join(names)[:300]})"
        )
    return names, lines[1:]


def _dialect(spec: FieldMapping) -> dict[str, Any]:
    return {"delimiter": spec.delimiter, "quotechar": spec.quote, "strict": True}


def _csv_lines(
    lines: list[bytes], names: list[str], spec: FieldMapping
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """The data lines (``_row``, ``_text``, ``_reason``) and their values, a text column per
    column name. Lines that are not UTF-8 or well-formed, or have the wrong number of fields, are
    flagged before polars reads the rest (so one bad line cannot shift or merge the others)."""
    texts = [line.decode("utf-8", "replace") for line in lines]
    utf8 = [text.encode() == line for text, line in zip(texts, lines, strict=True)]
    frame = pl.DataFrame(
        {
            "_row": pl.Series(range(1, len(lines) + 1), dtype=pl.Int64),
            "_text": pl.Series(texts, dtype=pl.String),
            "_reason": pl.Series([None] * len(lines), dtype=pl.String),
            "_utf8": pl.Series(utf8, dtype=pl.Boolean),
        }
    )
    d, q = (f"\\x{{{ord(char):x}}}" for char in (spec.delimiter, spec.quote))
    quoted = f"{q}(?:[^{q}]|{q}{q})*{q}"
    one = f"(?:{quoted}|[^{d}{q}]*)"
    text = pl.col("_text")
    fields = text.str.replace_all(quoted, "").str.count_matches(d) + 1
    frame = flag(
        frame,
        [
            (~pl.col("_utf8"), "line is not valid UTF-8"),
            (~text.str.contains(f"^{one}(?:{d}{one})*$"), "line is not well-formed CSV"),
            (fields != len(names), f"expected {len(names)} fields as in the header"),
        ],
    ).drop("_utf8")
    return frame, _read_good_lines(frame, names, spec)


def _read_good_lines(
    frame: pl.DataFrame, names: list[str], spec: FieldMapping
) -> dict[str, pl.Series]:
    """Each column's values (trimmed, blank as null; null on flagged lines). The columns are
    kept apart from the frame: a report's column may be called "raw" or "source.ip"."""
    good = frame.filter(pl.col("_reason").is_null())
    internal = [f"c{index}" for index in range(len(names))]  # header names may be anything
    empty = pl.Series([None] * frame.height, dtype=pl.String)
    columns = dict.fromkeys(internal, empty)
    if good.height and names:
        body = "\n".join(good["_text"].to_list()).encode()
        values = pl.read_csv(
            io.BytesIO(body),
            has_header=False,
            new_columns=internal,
            schema=dict.fromkeys(internal, pl.String()),
            separator=spec.delimiter,
            quote_char=spec.quote,
        )
        if values.height != good.height:  # the checks above make this unreachable; be loud if not
            raise ValueError(f"CSV reader found {values.height} records in {good.height} lines")
        where = frame["_reason"].is_null().arg_true()
        columns = {name: empty.clone().scatter(where, values[name]) for name in internal}
    return {
        name: pl.select(blank_to_null(pl.lit(columns[column]))).to_series()
        for name, column in zip(names, internal, strict=True)
    }


def _json_text(text: pl.Series) -> pl.Series:
    """Text values as JSON strings (what an ``extra`` member holds)."""
    encoded = pl.select(pl.struct(pl.lit(text).alias("v")).struct.json_encode()).to_series()
    return pl.select(
        pl.when(pl.lit(text).is_not_null()).then(encoded.str.slice(5).str.head(-1))
    ).to_series()
