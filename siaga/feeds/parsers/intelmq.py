"""IntelMQ events as JSON lines: what IntelMQ's file output writes, imported as a feed.

One JSON object per line, as IntelMQ's ``Event.to_json`` writes it:

- flat dotted keys (``"source.ip"``, ``"time.source"``, ``"classification.type"``), or, with the
  file output's ``hierarchical_output`` option, the same keys split at the dots into nested
  objects (``{"source": {"ip": ...}}``);
- the ``extra`` fields either as ``"extra.<key>"`` keys, as one ``"extra"`` object, or as one
  ``"extra"`` string of JSON text (``jsondict_as_string``: IntelMQ's form before 1.1, still an
  option of its outputs);
- ``raw``: the original record, base64-encoded;
- ``"__type": "Event"`` when the message was written with its type (ignored; any other type, such
  as a ``Report``, is not an event).

Every harmonized field (``harmonized.FIELDS``) goes to its column, converted: IP addresses and
networks canonical, ports and AS numbers integers, times ISO 8601 turned to UTC (a time without an
offset is UTC, as IntelMQ writes them). Everything else — ``extra`` values and IntelMQ fields Siaga
has no column for (``source.tor_node``, ``rtir_id`` ...) — goes to the ``extra`` JSON object under
its name, so nothing of a line is dropped. (In hierarchical output IntelMQ splits extra keys at
their dots too; ``{"extra": {"a": {"b": 1}}}`` may have been ``extra.a.b`` or an object under
``extra.a``, and is kept as the object it is.) ``feed.name`` defaults to "IntelMQ", ``time.observation``
to the report's observation time, ``classification.type`` to "undetermined" and a missing taxonomy
to the RSIT class of the type (as IntelMQ's taxonomy expert does).

A line that is not JSON, not an object, or holds a value its field cannot take (a bad IP address,
port or time ...) is quarantined with a reason naming the field; blank lines are skipped; a file in
which no line is a JSON object is not this format at all (``ValueError``).

Decoding JSON and sorting each object's keys into fields and ``extra`` is Python work per line (the
JSON has to be read anyway); every check and conversion after that is a polars expression over whole
columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.columns import blank_to_null, canonical_ips, canonical_networks
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow
from siaga.incidents.taxonomy import INTELMQ_TYPES, RSIT_TYPES_BY_CLASS

FEED_NAME = "IntelMQ"
TYPE_KEY = "__type"
EVENT_TYPE = "Event"
EXTRA = "extra"
UNDETERMINED = "undetermined"
OTHER_TAXONOMY = "other"

_BOM = "\ufeff"
_SPACE = " \t\r"  # JSON's white space within a line: what a blank line may hold
_NONE = type(None)
_EXTRA_CUT = len(harmonized.EXTRA_PREFIX)
# Lines decoded at a time: a decoded line's Python objects take a few kilobytes, so a batch, not
# the file, sets the peak memory (measured: 240 MB for 100,000 events of 24 fields).
BATCH_LINES = 100_000

Kind = Literal[
    "text", "ip", "network", "port", "asn", "time", "accuracy", "latitude", "longitude", "raw"
]


def _kind_of(field: str) -> Kind:
    """How a harmonized field's value is read and checked."""
    if field in harmonized.IP_FIELDS:
        return "ip"
    if field in harmonized.PORT_FIELDS:
        return "port"
    if field in harmonized.ASN_FIELDS:
        return "asn"
    if field in harmonized.TIME_FIELDS:
        return "time"
    if field.endswith(".network"):
        return "network"
    if field == "feed.accuracy":
        return "accuracy"
    if field.endswith(".latitude"):
        return "latitude"
    if field.endswith(".longitude"):
        return "longitude"
    if field == "raw":
        return "raw"
    return "text"


# Every harmonized field but ``extra`` (gathered separately), in export order.
KINDS: dict[str, Kind] = {field: _kind_of(field) for field in harmonized.FIELDS if field != EXTRA}
_FIELD_NAMES = frozenset(KINDS)
# Dotted prefixes of the fields ("source", "source.geolocation" ...): a nested object under one of
# these is IntelMQ's hierarchical output and is read as the dotted keys it stands for.
_PREFIXES = frozenset(
    field.rsplit(".", depth)[0] for field in KINDS for depth in range(1, field.count(".") + 1)
)

# JSON types each kind takes (by exact type: a JSON boolean is not a number). A value of another
# type quarantines its line.
_NUMBER = frozenset({int, float})
_ACCEPTS: dict[Kind, frozenset[type]] = {
    "text": frozenset({str, int, float, bool}),  # a number or boolean is kept as its JSON text
    "ip": frozenset({str}),
    "network": frozenset({str}),
    "port": frozenset({str, int}),
    "asn": frozenset({str, int}),
    "time": frozenset({str}),
    "accuracy": frozenset({str, *_NUMBER}),
    "latitude": frozenset({str, *_NUMBER}),
    "longitude": frozenset({str, *_NUMBER}),
    "raw": frozenset({str}),
}
EXPECTED = {
    "text": "a string",
    "ip": "an IP address as a string",
    "network": "an IP network as a string",
    "port": "an integer",
    "asn": "an integer",
    "time": "an ISO 8601 string",
    "accuracy": "a number",
    "latitude": "a number",
    "longitude": "a number",
    "raw": "base64 text",
}
INVALID = {
    "ip": "not an IP address",
    "network": "not an IP network",
    "port": "not a port number (0-65535)",
    "asn": "not an AS number (0-4294967295)",
    "time": "not an ISO 8601 date and time",
    "accuracy": "not a number from 0 to 100",
    "latitude": "not a latitude (-90 to 90)",
    "longitude": "not a longitude (-180 to 180)",
}
_RANGES = {"accuracy": (0.0, 100.0), "latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}

# YYYY-MM-DD, then optionally the time of day (seconds and fraction optional) and the UTC offset.
ISO_8601 = (
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ](?P<clock>[0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(?P<fraction>\.[0-9]+)?)?"
    r"[ ]?(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<hours>[0-9]{2})(?::?(?P<minutes>[0-9]{2}))?)?$"
)
# What IntelMQ writes: read over the whole column by one strptime.
USUAL_TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?[+-][0-9]{2}:[0-9]{2}$"
)
USUAL_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%:z"
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

# RSIT class of each type, IntelMQ's own types included: the taxonomy of an event that lacks one.
TAXONOMY_OF_TYPE: dict[str, str] = {
    **{str(rsit_type): str(rsit_class) for rsit_type, (rsit_class, _) in INTELMQ_TYPES.items()},
    **{
        str(rsit_type): str(rsit_class)
        for rsit_class, types in RSIT_TYPES_BY_CLASS.items()
        for rsit_type in types
    },
}

Check = tuple[pl.Expr, str]
Fields = dict[str, Any]


# --- The parser ----------------------------------------------------------------------------------


def parse_intelmq_jsonl(data: bytes, *, observation_time: datetime) -> ParseResult:
    """IntelMQ events, one JSON object per line, as harmonized events (``_row``: the position of
    the line among the non-blank lines)."""
    observed = _utc(observation_time)
    texts, unreadable = _lines(data)
    events: list[pl.DataFrame] = []
    quarantine: list[QuarantinedRow] = []
    objects = 0
    for start in range(0, max(len(texts), 1), BATCH_LINES):
        stop = start + BATCH_LINES
        part, found = _parse_batch(texts[start:stop], unreadable[start:stop], start + 1, observed)
        events.append(part.events)
        quarantine.extend(part.quarantine)
        objects += found
    if texts and not objects:
        raise ValueError(
            f"{FEED_NAME}: not JSON lines of events, no line is a JSON object "
            f"(the first line: {texts[0].strip()[:80]!r})"
        )
    return ParseResult(events=pl.concat(events), quarantine=quarantine)


def _parse_batch(
    texts: list[str], unreadable: list[str | None], first_row: int, observed: datetime
) -> tuple[ParseResult, int]:
    """One batch of lines (numbered from ``first_row``), and how many of them are JSON objects."""
    fields, extras, reasons, objects = _read_records(texts, unreadable)
    frame = pl.DataFrame(
        {
            "_row": pl.int_range(first_row, first_row + len(texts), eager=True, dtype=pl.Int64),
            "_text": pl.Series(texts, dtype=pl.String),
            "_reason": pl.Series(reasons, dtype=pl.String),
            EXTRA: pl.Series(extras, dtype=pl.String),
        }
    )
    frame, checks = _field_columns(frame, fields)
    return _finish(_flag(frame, checks), observed), objects


# --- Lines and records ---------------------------------------------------------------------------


def _lines(data: bytes) -> tuple[list[str], list[str | None]]:
    """The non-blank lines as text (without a CR before the LF), and for each the reason it cannot
    be read if it is not UTF-8."""
    try:  # one decode for the whole file: the common case
        lines = data.decode("utf-8").removeprefix(_BOM).split("\n")
    except UnicodeDecodeError:
        return _lines_one_by_one(data)
    texts = [line.removesuffix("\r") for line in lines if line.strip(_SPACE)]
    return texts, [None] * len(texts)


def _lines_one_by_one(data: bytes) -> tuple[list[str], list[str | None]]:
    """``_lines`` for a file with bytes that are not UTF-8: such a line keeps U+FFFD for them."""
    texts: list[str] = []
    problems: list[str | None] = []
    for line in data.removeprefix(_BOM.encode()).split(b"\n"):
        if not line.strip(_SPACE.encode()):
            continue
        raw = line.removesuffix(b"\r")
        text = raw.decode("utf-8", "replace")
        texts.append(text)
        problems.append(None if text.encode() == raw else "line is not valid UTF-8")
    return texts, problems


def _read_records(
    texts: list[str], unreadable: list[str | None]
) -> tuple[list[Fields], list[str | None], list[str | None], int]:
    """Per line: its harmonized fields' values (a dict read by field name), its ``extra`` object as
    JSON text, and the reason it cannot be read; and how many lines are JSON objects."""
    fields: list[Fields] = []
    extras: list[str | None] = []
    reasons: list[str | None] = []
    objects = 0
    for text, not_utf8 in zip(texts, unreadable, strict=True):
        record, problem = _decode(text)
        extra = None
        objects += record is not None  # a line that is not UTF-8 still shows what the file is
        if record is None or not_utf8:
            record, problem = {}, not_utf8 or problem
        else:
            record, extra, problem = _split_record(record)
        fields.append(record)
        extras.append(orjson.dumps(extra).decode() if extra else None)
        reasons.append(problem)
    return fields, extras, reasons, objects


def _decode(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """One line's JSON object, or why it is not one."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return None, f"line is not JSON ({exc})"
    if type(value) is not dict:
        return None, f"line is not a JSON object (it is {_json_type(value)})"
    return value, None


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", _NONE: "null"}
    return names.get(type(value), "a number")


def _split_record(record: dict[str, Any]) -> tuple[Fields, dict[str, Any] | None, str | None]:
    """(the values of harmonized fields, the ``extra`` object, why the record cannot be read).

    The common line holds only field names and ``extra.*`` keys; the record itself then serves as
    the fields' dict (the columns read it by field name), so nothing is copied."""
    others = [key for key in record if key not in _FIELD_NAMES]
    if not others:
        return record, None, None
    fields: Fields = record
    extra: dict[str, Any] = {}
    for key in others:
        value = record[key]
        if value is None:  # IntelMQ writes no nulls; one carries no value
            continue
        name = key[_EXTRA_CUT:]
        if key.startswith(harmonized.EXTRA_PREFIX) and name:  # "extra.<name>": the usual case
            if name in extra and extra[name] != value:
                return fields, None, f"{key}: given twice with different values"
            extra[name] = value
            continue
        if key == TYPE_KEY:
            problem = None if value == EVENT_TYPE else f"{TYPE_KEY}: {value!r} is not an Event"
        elif key == EXTRA:
            problem = _merge_extra(extra, value)
        elif key in _PREFIXES and type(value) is dict:
            fields = dict(record) if fields is record else fields
            problem = _unnest(fields, extra, key, value)
        else:  # an IntelMQ field Siaga has no column for: kept in extra under its own name
            problem = _put(extra, key, value, key)
        if problem:
            return fields, None, problem
    return fields, extra or None, None


def _merge_extra(extra: dict[str, Any], value: object) -> str | None:
    """Add an ``extra`` object (or its JSON text) to ``extra``; the reason if it is neither."""
    if type(value) is str:
        if not value.strip():
            return None
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return "extra: text that is not JSON"
    if type(value) is not dict:
        return "extra: not a JSON object"
    for key, item in value.items():
        problem = _put(extra, key, item, harmonized.EXTRA_PREFIX + key)
        if problem:
            return problem
    return None


def _unnest(
    fields: Fields, extra: dict[str, Any], prefix: str, nested: dict[str, Any]
) -> str | None:
    """Hierarchical output: the keys of an object under ``prefix`` as the dotted keys they mean."""
    for key, value in nested.items():
        name = f"{prefix}.{key}"
        if value is None:
            continue
        if name in _FIELD_NAMES:
            if fields.get(name) is not None and fields[name] != value:
                return f"{name}: given twice with different values"
            fields[name] = value
            problem = None
        elif name in _PREFIXES and type(value) is dict:
            problem = _unnest(fields, extra, name, value)
        else:
            problem = _put(extra, name, value, name)
        if problem:
            return problem
    return None


def _put(extra: dict[str, Any], key: str, value: object, label: str) -> str | None:
    """One ``extra`` value; two different values for one key cannot both be kept."""
    if value is None:
        return None
    if key in extra and extra[key] != value:
        return f"{label}: given twice with different values"
    extra[key] = value
    return None


# --- Field columns -------------------------------------------------------------------------------


def _field_columns(frame: pl.DataFrame, fields: list[Fields]) -> tuple[pl.DataFrame, list[Check]]:
    """The harmonized fields the lines hold, converted, and the checks that flag bad values (in
    field order: a line's reason names the first bad field)."""
    present = set().union(*fields) & _FIELD_NAMES if fields else set()
    columns: list[pl.Series] = []
    checks: list[Check] = []
    for field, kind in KINDS.items():
        if field not in present:
            continue
        text, wrong = as_text([record.get(field) for record in fields], kind)
        if wrong is not None:
            checks.append((pl.lit(wrong), f"{field}: wrong type, expected {EXPECTED[kind]}"))
        value, invalid = convert(text.alias(field), kind)
        columns.append(value)
        if invalid is not None:
            checks.append((pl.lit(invalid), f"{field}: {INVALID[kind]}"))
    return frame.with_columns(columns), checks


def as_text(values: list[object], kind: Kind) -> tuple[pl.Series, pl.Series | None]:
    """One field's JSON values as text, and a mask of the values of a type the field does not take
    (None when there is none). Clean columns — all strings, or all numbers for a numeric field —
    are built in one step; only a mixed column is walked value by value."""
    types = set(map(type, values))
    if types <= {str, _NONE}:
        return pl.Series(values, dtype=pl.String), None
    accepts = _ACCEPTS[kind]
    if kind != "text" and types <= {*(accepts & _NUMBER), _NONE}:
        try:  # integers past 64 bits fall through to the walk (and fail the range check)
            dtype = pl.Int64 if types <= {int, _NONE} else pl.Float64
            return pl.Series(values, dtype=dtype).cast(pl.String), None
        except (TypeError, OverflowError, pl.exceptions.PolarsError):
            pass
    texts: list[str | None] = []
    wrong: list[bool] = []
    for value in values:
        if value is None or type(value) is str:
            texts.append(value)
            wrong.append(False)
        elif type(value) in accepts:
            texts.append(orjson.dumps(value).decode())
            wrong.append(False)
        else:
            texts.append(None)
            wrong.append(True)
    mask = pl.Series(wrong, dtype=pl.Boolean)
    return pl.Series(texts, dtype=pl.String), mask if mask.any() else None


def convert(text: pl.Series, kind: Kind) -> tuple[pl.Series, pl.Series | None]:
    """A field's text as its harmonized value, and a mask of the values given but not readable
    (None when there is none). Blank text is a missing value, not a bad one."""
    given = pl.select(blank_to_null(pl.lit(text))).to_series().alias(text.name)
    if kind == "text":
        return given, None
    if kind == "raw":
        return _raw(given), None
    if kind == "ip":
        value = canonical_ips(given)
    elif kind == "network":
        value = canonical_networks(given)
    elif kind == "time":
        value = _times(given)
    else:
        value = pl.select(_READERS[kind](pl.lit(given))).to_series()
    value = value.alias(text.name).cast(harmonized.FIELDS[text.name])
    invalid = given.is_not_null() & value.is_null()
    return value, invalid if invalid.any() else None


def _port(text: pl.Expr) -> pl.Expr:
    number = _digits(text, 5)
    return pl.when(number.is_between(0, 65535)).then(number)


def _asn(text: pl.Expr) -> pl.Expr:
    """An AS number, with or without the "AS" that some tools write before it."""
    number = _digits(text.str.replace(r"^(?i:as)", ""), 10)
    return pl.when(number.is_between(0, 2**32 - 1)).then(number)


def _digits(text: pl.Expr, most: int) -> pl.Expr:
    """Text of at most ``most`` decimal digits as an integer; null for anything else."""
    return pl.when(text.str.contains(f"^[0-9]{{1,{most}}}$")).then(
        text.cast(pl.Int64, strict=False)
    )


def _bounded(kind: Kind) -> Callable[[pl.Expr], pl.Expr]:
    """A reader of numbers within the range a field allows (not NaN, not infinite)."""
    low, high = _RANGES[kind]

    def read(text: pl.Expr) -> pl.Expr:
        number = text.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite() & number.is_between(low, high)).then(number)

    return read


def _times(text: pl.Series) -> pl.Series:
    """ISO 8601 text as UTC times; null where a value is not one, or is a time Python cannot hold
    (years before 1 or after 9999).

    IntelMQ writes one form ("2024-05-01T12:00:00+00:00", sometimes with a fraction), which one
    ``strptime`` reads over the whole column; only the other forms take the general reading."""
    usual = text.str.contains(USUAL_TIME)
    moment = pl.select(
        pl.when(usual).then(text.str.strptime(harmonized.UTC_TIME, USUAL_FORMAT, strict=False))
    ).to_series()
    others = usual.not_() & text.is_not_null()
    if others.any():
        moment = moment.scatter(others.arg_true(), _other_times(text.filter(others)))
    return pl.select(pl.when(moment.dt.year().is_between(1, 9999)).then(moment)).to_series()


def _other_times(text: pl.Series) -> pl.Series:
    """The general ISO 8601 reading: a space for the "T", minutes or seconds or fraction left out,
    "Z" or an offset with or without its colon, or no offset at all (then the time is UTC, as
    IntelMQ's are; without a time of day it is midnight)."""
    parts = text.str.extract_groups(ISO_8601).struct.unnest()
    clock = pl.col("clock")
    clock = pl.when(clock.str.len_bytes() == 5).then(clock + ":00").otherwise(clock)
    local = pl.concat_str(
        [
            pl.col("date"),
            pl.lit("T"),
            clock.fill_null("00:00:00"),
            pl.col("fraction").str.slice(0, 10).fill_null(""),
        ]
    ).str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S%.f", strict=False)
    hours = pl.col("hours").cast(pl.Int64).fill_null(0)
    minutes = pl.col("minutes").cast(pl.Int64).fill_null(0)
    east = pl.when(pl.col("sign") == "-").then(-1).otherwise(1) * (hours * 60 + minutes)
    valid = (hours < 24) & (minutes < 60)
    moment = pl.when(valid).then(local - pl.duration(minutes=east))
    return parts.select(moment.dt.replace_time_zone("UTC")).to_series()


_READERS: dict[Kind, Callable[[pl.Expr], pl.Expr]] = {
    "port": _port,
    "asn": _asn,
    "accuracy": _bounded("accuracy"),
    "latitude": _bounded("latitude"),
    "longitude": _bounded("longitude"),
}


def _raw(text: pl.Series) -> pl.Series:
    """``raw`` as base64 (line breaks a writer wrapped it with removed); text that is not base64 is
    the original record itself and is encoded, as IntelMQ does with such a value."""
    packed = text.str.replace_all(r"\s", "")
    encoded = pl.when(packed.str.contains(BASE64)).then(packed).otherwise(text.str.encode("base64"))
    return pl.select(encoded).to_series().alias(text.name)


# --- Flags and the result ------------------------------------------------------------------------


def _flag(frame: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """Record the first failing check's reason in ``_reason`` (a line's own reason comes first)."""
    if not checks:
        return frame
    failures = [pl.when(bad).then(pl.lit(reason)) for bad, reason in checks]
    return frame.with_columns(pl.coalesce(pl.col("_reason"), *failures).alias("_reason"))


def _finish(frame: pl.DataFrame, observed: datetime) -> ParseResult:
    """Events from the readable lines (defaults filled in), quarantined rows from the others."""
    flagged = frame.filter(pl.col("_reason").is_not_null()).select("_row", "_reason", "_text")
    quarantine = [
        QuarantinedRow(row=row, reason=reason, raw=text)
        for row, reason, text in flagged.iter_rows()
    ]
    events = harmonized.conform(frame.filter(pl.col("_reason").is_null()))
    kind = pl.col("classification.type")
    events = events.with_columns(
        pl.col("feed.name").fill_null(FEED_NAME),
        pl.col("time.observation").fill_null(pl.lit(observed, dtype=harmonized.UTC_TIME)),
        kind.fill_null(UNDETERMINED),
        pl.col("classification.taxonomy").fill_null(
            kind.fill_null(UNDETERMINED)
            .str.to_lowercase()
            .replace_strict(TAXONOMY_OF_TYPE, default=OTHER_TAXONOMY, return_dtype=pl.String)
        ),
        pl.col("raw").fill_null(pl.col("_text").str.encode("base64")),
    )
    return ParseResult(events=events.select([*harmonized.FIELDS, "_row"]), quarantine=quarantine)


def _utc(moment: datetime) -> datetime:
    """The observation time in UTC; a naive one is a caller's mistake, not something to guess."""
    if moment.tzinfo is None:
        raise ValueError("observation_time must be timezone-aware")
    return moment.astimezone(UTC)
