"""Reading abuse.ch reports: JSON documents into typed columns, CSV lines into text columns.

A record that is not an object, a field of the wrong JSON type, or a CSV line that is not
well-formed is flagged with its reason (``_reason``) rather than failing the report; a report that
is not the format at all raises ``ValueError``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

import orjson
import polars as pl
import polars.selectors as cs

from siaga.feeds.parsers.abusech.common import (
    Check,
    blank_to_null,
    flag,
    tidy_list,
    with_columns_if_missing,
)

_BOM = b"\xef\xbb\xbf"
_SPACE = " \t"  # what may surround a comment mark or fill a blank line (fields: any white space)

JsonKind = Literal["text", "integer", "list"]
_KIND_WORDS = {"text": "a string", "integer": "an integer", "list": "a string or a list of strings"}
_I64 = (-(2**63), 2**63 - 1)


def load_json(data: bytes, feed: str) -> object:
    """The decoded document, or ValueError when the report is not JSON."""
    try:
        return orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{feed}: the report is not JSON ({exc})") from exc


def wrong_top(feed: str, expected: str, document: object) -> ValueError:
    """The error for valid JSON of the wrong shape (an API error object, say, instead of data)."""
    return ValueError(
        f"{feed}: expected {expected} at the top level, got {type(document).__name__}"
    )


def dumps(record: object) -> str:
    """A decoded JSON record as compact JSON text: what ``raw`` and the quarantine keep."""
    return orjson.dumps(record).decode()


def json_frame(
    records: Sequence[object], texts: list[str], fields: dict[str, JsonKind]
) -> pl.DataFrame:
    """One typed column per field; a record that is not an object, or a field of the wrong JSON
    type, gets its reason in ``_reason`` (the value itself becomes null)."""
    objects = [record if isinstance(record, dict) else None for record in records]
    not_object = [obj is None for obj in objects]
    columns: dict[str, pl.Series] = {"_not_object": pl.Series(not_object, dtype=pl.Boolean)}
    checks: list[Check] = [(pl.col("_not_object"), "record is not a JSON object")]
    for field, kind in fields.items():
        values = [None if obj is None else obj.get(field) for obj in objects]
        columns[field], wrong = json_column(values, kind)
        if wrong is not None:
            columns[f"_wrong_{field}"] = wrong
            checks.append(
                (pl.col(f"_wrong_{field}"), f"{field}: wrong type, expected {_KIND_WORDS[kind]}")
            )
    frame = pl.DataFrame(
        {
            "_row": pl.int_range(1, len(records) + 1, eager=True, dtype=pl.Int64),
            "_text": pl.Series(texts, dtype=pl.String),
            "_reason": pl.Series([None] * len(records), dtype=pl.String),
            **columns,
        }
    )
    frame = flag(frame, checks)
    return blank_to_null(frame.drop(cs.starts_with("_wrong_", "_not_object")))


def json_column(values: list[object], kind: JsonKind) -> tuple[pl.Series, pl.Series | None]:
    """Values of one field as a typed column, and a mask of the wrong-typed ones (None if none).

    The common case, a clean column, is one set of types and one Series construction; only a
    column that holds a wrong type (or a list) is walked value by value."""
    types = set(map(type, values))
    if types <= {str, type(None)} and kind != "integer":
        text = pl.Series(values, dtype=pl.String)
        return (
            text if kind == "text" else pl.select(tidy_list(text.str.split(","))).to_series()
        ), None
    if types <= {int, type(None)} and kind == "integer":
        try:
            return pl.Series(values, dtype=pl.Int64), None
        except (TypeError, OverflowError, pl.exceptions.PolarsError):
            pass  # an integer beyond 64 bits: found below
    good = [right_type(value, kind) for value in values]
    kept = [value if ok else None for value, ok in zip(values, good, strict=True)]
    wrong = pl.Series(
        [value is not None and not ok for value, ok in zip(values, good, strict=True)]
    )
    if kind == "list":
        lists = [value.split(",") if isinstance(value, str) else value for value in kept]
        column = pl.select(tidy_list(pl.Series(lists, dtype=pl.List(pl.String)))).to_series()
    else:
        column = pl.Series(kept, dtype=pl.String if kind == "text" else pl.Int64)
    return column, wrong if wrong.any() else None


def right_type(value: object, kind: JsonKind) -> bool:
    """Whether one JSON value has the type a field of ``kind`` takes (bool is not an integer)."""
    if kind == "integer":
        return type(value) is int and _I64[0] <= value <= _I64[1]
    if kind == "list" and type(value) is list:
        return all(type(item) is str for item in value)
    return type(value) is str


def read_csv(data: bytes, columns: tuple[str, ...], feed: str) -> pl.DataFrame:
    """The records of an abuse.ch CSV report as text columns named by its header, with ``_row``,
    ``_text`` (the line) and ``_reason``. Lines that are not well-formed CSV, or have the wrong
    number of fields, are flagged before polars reads the rest (so one bad line cannot shift or
    merge the others)."""
    lines = data.removeprefix(_BOM).splitlines()
    start, names = find_header(lines, columns, feed)
    texts, utf8 = decode_lines(lines[start + 1 :])
    text = pl.col("_text")
    frame = (
        pl.DataFrame(
            {"_text": texts, "_utf8": utf8}, schema={"_text": pl.String, "_utf8": pl.Boolean}
        )
        .filter(
            ~(
                text.str.strip_chars(_SPACE).str.starts_with("#")
                | (text.str.strip_chars(_SPACE) == "")
            )
        )
        .with_row_index("_row", offset=1)
        .with_columns(pl.col("_row").cast(pl.Int64), pl.lit(None, dtype=pl.String).alias("_reason"))
    )
    field = r'(?:"(?:[^"]|"")*"|[^",]*)'
    fields = text.str.replace_all(r'"(?:[^"]|"")*"', "").str.count_matches(",") + 1
    frame = flag(
        frame,
        [
            (~pl.col("_utf8"), "line is not valid UTF-8"),
            (~text.str.contains(f"^{field}(?:,{field})*$"), "line is not well-formed CSV"),
            (fields != len(names), f"expected {len(names)} fields as in the header"),
        ],
    )
    good, bad = (
        frame.filter(pl.col("_reason").is_null()),
        frame.filter(pl.col("_reason").is_not_null()),
    )
    if good.height:
        body = good.select(text.str.join("\n")).item().encode()
        schema = dict.fromkeys(names, pl.String())
        values = pl.read_csv(io.BytesIO(body), has_header=False, schema=schema, quote_char='"')
        if values.height != good.height:  # the checks above make this unreachable; be loud if not
            raise ValueError(
                f"{feed}: CSV reader found {values.height} records in {good.height} lines"
            )
        good = good.hstack(values.select(columns))
    frame = pl.concat([good, bad], how="diagonal").sort("_row")
    return blank_to_null(with_columns_if_missing(frame, dict.fromkeys(columns, pl.String())))


def find_header(lines: list[bytes], columns: tuple[str, ...], feed: str) -> tuple[int, list[str]]:
    """Index and column names of the header: the first line, commented out or not, naming every
    column we read. Only comment and blank lines may come before it."""
    for index, line in enumerate(lines):
        text = line.decode("utf-8", "replace").strip(_SPACE)
        names = header_names(text.lstrip("#").strip(_SPACE))
        if set(columns) <= set(names):
            if len(set(names)) != len(names):
                raise ValueError(f"{feed}: the CSV header names a column twice: {text}")
            return index, names
        if text and not text.startswith("#"):
            break
    raise ValueError(f"{feed}: no CSV header naming {', '.join(columns)} before the first record")


def header_names(text: str) -> list[str]:
    """The lower-case column names a candidate header line holds (quoted or not)."""
    try:
        return [name.strip().lower() for name in next(csv.reader([text]), [])]
    except csv.Error:
        return []


def decode_lines(lines: list[bytes]) -> tuple[list[str], list[bool]]:
    """Lines as text and whether each was valid UTF-8 (an invalid one keeps U+FFFD in its text)."""
    if not lines:
        return [], []
    try:  # one decode for the whole report; lines hold no line breaks, so splitting is exact
        return b"\n".join(lines).decode("utf-8").split("\n"), [True] * len(lines)
    except UnicodeDecodeError:
        texts = [line.decode("utf-8", "replace") for line in lines]
        return texts, [
            text.encode("utf-8") == line for text, line in zip(texts, lines, strict=True)
        ]
