"""JSON reports (one document or JSON lines) read by the operator's mapping
(``parse_mapped_json``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.intelmq import KINDS, as_text
from siaga.feeds.parsers.mapping.events import BOM, extra_sources, to_events, utc
from siaga.feeds.parsers.mapping.spec import FieldMapping, read_mapping

JSON_FEED_NAME = "JSON feed"


def parse_mapped_json(
    data: bytes, mapping: Mapping[str, Any], *, observation_time: datetime
) -> ParseResult:
    """A JSON report (one document holding a list of records, or JSON lines) read by the operator's
    mapping: one event per record."""
    spec = read_mapping(mapping)
    observed = utc(observation_time)
    records, texts, reasons = _json_records(data.removeprefix(BOM), spec)
    frame = pl.DataFrame(
        {
            "_row": pl.Series(range(1, len(records) + 1), dtype=pl.Int64),
            "_text": pl.Series(texts, dtype=pl.String),
            "_reason": pl.Series(reasons, dtype=pl.String),
        }
    )
    values = {source: [_lookup(record, source) for record in records] for source in spec.sources}
    fields: dict[str, tuple[pl.Series, str]] = {}
    wrong: dict[str, pl.Series] = {}
    for name, source in spec.fields.items():
        if name.startswith(harmonized.EXTRA_PREFIX):
            continue
        found = values[source]
        if name in harmonized.TIME_FIELDS:  # epoch seconds may come as JSON numbers
            found = [_number_text(value) for value in found]
        text, mask = as_text(found, KINDS[name])
        fields[name] = (text, f"key “{source}”")
        if mask is not None:
            wrong[name] = mask
    members = {
        key: pl.Series(
            [None if value is None else orjson.dumps(value).decode() for value in values[source]],
            dtype=pl.String,
        )
        for key, source in extra_sources(spec).items()
    }
    return to_events(frame, fields, wrong, members, spec, observed, JSON_FEED_NAME)


def _number_text(value: object) -> object:
    """A JSON number (not a boolean) as its text; anything else as it is."""
    return str(value) if type(value) in (int, float) else value


def _json_records(
    data: bytes, spec: FieldMapping
) -> tuple[list[dict[str, Any] | None], list[str], list[str | None]]:
    """The records (None for one that is not an object), their JSON text and their reasons."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _json_lines(data)
    found = _records_at(document, spec.records)
    texts = [orjson.dumps(record).decode() for record in found]
    return (
        [record if isinstance(record, dict) else None for record in found],
        texts,
        [None if isinstance(record, dict) else "record is not a JSON object" for record in found],
    )


def _records_at(document: object, path: str | None) -> list[Any]:
    if path is None:
        if isinstance(document, list):
            return document
        raise ValueError(
            f"the report's top level is {_json_type(document)}, not a list of records; "
            "say where the records are with “records”"
        )
    value = _lookup(document, path)
    if not isinstance(value, list):
        raise ValueError(
            f"records: {path!r} is not a list in the report (found {_json_type(value)})"
        )
    return value


def _json_lines(data: bytes) -> tuple[list[dict[str, Any] | None], list[str], list[str | None]]:
    """JSON lines: each non-blank line one record. A file in which no line is a JSON object is
    not JSON at all."""
    records: list[dict[str, Any] | None] = []
    texts: list[str] = []
    reasons: list[str | None] = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        text = line.removesuffix(b"\r").decode("utf-8", "replace")
        record, reason = _json_line(line, text)
        records.append(record)
        texts.append(text)
        reasons.append(reason)
    if not any(record is not None for record in records):
        raise ValueError("the report is neither a JSON document nor JSON lines of objects")
    return records, texts, reasons


def _json_line(line: bytes, text: str) -> tuple[dict[str, Any] | None, str | None]:
    if text.encode() != line.removesuffix(b"\r"):
        return None, "line is not valid UTF-8"
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return None, f"line is not JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"line is not a JSON object (it is {_json_type(value)})"
    return value, None


def _lookup(value: object, path: str) -> object:
    """The value at a key, or at a dotted path of keys (a number steps into a list); None if absent."""
    if isinstance(value, dict) and path in value:
        return value[path]
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _json_type(value: object) -> str:
    names = {list: "a list", dict: "an object", str: "a string", bool: "a boolean"}
    return "null" if value is None else names.get(type(value), "a number")
