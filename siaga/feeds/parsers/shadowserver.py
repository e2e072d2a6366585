"""Shadowserver reports, driven by a declarative table: report type → column → harmonized field.

The table (``shadowserver_schema.json``) has the shape of the schema Shadowserver publishes for its
reports: per report type a ``file_name`` key found in the report's file name, ``constant_fields``
(the RSIT classification, the protocol), and ``required_fields`` / ``optional_fields`` as
``[field, column, conversion]``. An operator can point ``SIAGA_SHADOWSERVER_SCHEMA`` at a newer
file from Shadowserver without a code change.

Parsing is column-wise. A chunk of lines is checked first as lines — field count and balanced
quotes — so a ragged row is quarantined instead of being silently padded by the CSV reader; the good
lines are read by polars, every rule becomes one polars expression, and a required field that is
missing or unreadable quarantines its row with a reason naming the column. Optional values that do
not convert are kept as text in ``extra`` under their column name, and columns the table does not
know go to ``extra`` too: nothing in a report is dropped.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings

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
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow

DEFAULT_SCHEMA = Path(__file__).with_name("shadowserver_schema.json")
PROVIDER = "Shadowserver"
CONVERSIONS = frozenset(
    {
        "add_UTC_to_timestamp",
        "convert_int",
        "convert_float",
        "invalidate_zero",
        "convert_bool",
        "validate_to_none",
        "validate_ip",
        "validate_network",
        "validate_fqdn",
        "convert_http_host_and_url",
    }
)
# Conversions whose results are JSON numbers or booleans in ``extra``.
JSON_LITERAL_CONVERSIONS = frozenset(
    {"convert_int", "invalidate_zero", "convert_float", "convert_bool"}
)
# Conversions a present value can fail; the others accept any text.
FALLIBLE_CONVERSIONS = frozenset(
    {
        "add_UTC_to_timestamp",
        "convert_int",
        "convert_float",
        "invalidate_zero",
        "convert_bool",
        "validate_fqdn",
    }
)
ADDRESS_CONVERSIONS = frozenset({"validate_ip", "validate_network"})
# A complete quoted field ("" inside it is an escaped quote); what is left after removing them
# must hold exactly (columns - 1) commas and no quote at all.
_QUOTED = r'"(?:[^"]|"")*"'


class SchemaError(ValueError):
    """The report table is not usable; the message names the entry and the problem."""


@dataclass(frozen=True)
class FieldRule:
    field: str  # a harmonized field, or "extra." (the column's own name under extra), or "extra.x"
    column: str
    conversion: str | None

    @property
    def extra_key(self) -> str | None:
        """The key under ``extra`` this rule writes, or None for a harmonized field."""
        if not self.field.startswith(harmonized.EXTRA_PREFIX):
            return None
        return self.field.removeprefix(harmonized.EXTRA_PREFIX) or self.column


@dataclass(frozen=True)
class ReportType:
    key: str  # the report's file_name
    feed_name: str
    constant_fields: dict[str, str]
    required_fields: tuple[FieldRule, ...]
    optional_fields: tuple[FieldRule, ...]

    @property
    def rules(self) -> tuple[FieldRule, ...]:
        return self.required_fields + self.optional_fields

    @property
    def columns(self) -> set[str]:
        return {rule.column for rule in self.rules}


# --- The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSchema:
    types: dict[str, ReportType]
    # Entries left out, each with its reason: one bad entry in a file from Shadowserver must not
    # stop every other report type from being parsed.
    problems: tuple[str, ...]


def load_schema(path: Path | None = None) -> dict[str, ReportType]:
    """The report types of a schema file (default: the configured one, else the bundled table)."""
    return read_schema(path).types


def read_schema(path: Path | None = None) -> LoadedSchema:
    """The report types of a schema file and the entries that were left out, with why."""
    if path is None:
        configured = getattr(settings, "SIAGA_SHADOWSERVER_SCHEMA", "") or ""
        path = Path(configured) if configured else DEFAULT_SCHEMA
    return _read_schema(Path(path).resolve())


@functools.lru_cache(maxsize=4)
def _read_schema(path: Path) -> LoadedSchema:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read the Shadowserver schema: {exc}") from None
    if not isinstance(document, dict):
        raise SchemaError(f"{path}: the schema must be a JSON object of report types")
    types: dict[str, ReportType] = {}
    problems: list[str] = []
    for name, entry in document.items():
        try:
            report = _report_type(name, entry)
        except SchemaError as exc:
            problems.append(str(exc))
            continue
        types[report.key] = report
    return LoadedSchema(types, tuple(problems))


def _report_type(name: str, entry: Any) -> ReportType:
    if not isinstance(entry, dict):
        raise SchemaError(f"report {name!r}: must be an object")
    key = entry.get("file_name") or name
    feed_name = entry.get("feed_name") or name
    constants = entry.get("constant_fields") or {}
    if not isinstance(constants, dict) or not all(isinstance(v, str) for v in constants.values()):
        raise SchemaError(f"report {name!r}: constant_fields must map fields to text")
    for field in constants:
        if not harmonized.is_field(field):
            raise SchemaError(f"report {name!r}: unknown field {field!r} in constant_fields")
    return ReportType(
        key=str(key),
        feed_name=str(feed_name),
        constant_fields=dict(constants),
        required_fields=_rules(name, "required_fields", entry.get("required_fields") or []),
        optional_fields=_rules(name, "optional_fields", entry.get("optional_fields") or []),
    )


def _rules(name: str, part: str, items: Any) -> tuple[FieldRule, ...]:
    if not isinstance(items, list):
        raise SchemaError(f"report {name!r}: {part} must be a list")
    rules = []
    for position, item in enumerate(items, 1):
        where = f"report {name!r}, {part} #{position}"
        if not (isinstance(item, list) and 2 <= len(item) <= 3):
            raise SchemaError(f"{where}: must be [field, column] or [field, column, conversion]")
        field, column, *rest = item
        conversion = rest[0] if rest else None
        if not (harmonized.is_field(field) or field == harmonized.EXTRA_PREFIX):
            raise SchemaError(f"{where}: unknown field {field!r}")
        if not isinstance(column, str) or not column:
            raise SchemaError(f"{where}: the column must be a name")
        if conversion is not None and conversion not in CONVERSIONS:
            raise SchemaError(f"{where}: unknown conversion {conversion!r}")
        rules.append(FieldRule(field, column, conversion))
    return tuple(rules)


def detect_report(file_name: str, schema: dict[str, ReportType] | None = None) -> ReportType | None:
    """The report type whose key is the longest one contained in the file's name."""
    schema = load_schema() if schema is None else schema
    name = Path(file_name).name.lower()
    found = [report for key, report in schema.items() if key.lower() in name]
    return max(found, key=lambda report: len(report.key), default=None)


# --- Parsing -------------------------------------------------------------------------------------


def parse_report(
    data: bytes,
    file_name: str,
    *,
    report_type: ReportType | None = None,
    observation_time: datetime | None = None,
) -> ParseResult:
    """A whole report at once (files that fit in memory; the pipeline streams chunks instead)."""
    report_type = report_type or detect_report(file_name)
    if report_type is None:
        raise ValueError(f"{file_name}: not a Shadowserver report type Siaga knows")
    without_bom = data.removeprefix(b"\xef\xbb\xbf")
    header_line, _, body = without_bom.partition(b"\n")
    parser = ChunkParser(
        report_type,
        header_line.decode("utf-8", errors="replace"),
        observation_time=observation_time,
    )
    return parser.parse(body, first_row=1, first_offset=len(data) - len(body))


class ChunkParser:
    """Parses chunks of one report's data lines (after its header) into harmonized frames."""

    def __init__(
        self,
        report_type: ReportType,
        header_line: str,
        *,
        observation_time: datetime | None = None,
    ) -> None:
        self.report_type = report_type
        self.header = _header(header_line)
        self.observation_time = observation_time or datetime.now(UTC)
        missing = [r.column for r in report_type.required_fields if r.column not in self.header]
        if missing:
            raise ValueError(
                f"the report has no column {', '.join(sorted(set(missing)))} that "
                f"{report_type.key} requires (its header: {', '.join(self.header[:20])})"
            )
        self._selection = _selection(report_type, self.header, self.observation_time)

    def parse(self, data: bytes, *, first_row: int, first_offset: int = 0) -> ParseResult:
        """``data``: whole data lines; ``first_row``: the report row number of the first one;
        ``first_offset``: where ``data`` starts in the report file. Events carry ``_offset``, the
        byte offset of their line in the file: what a report says beyond the harmonized fields is
        read back from the stored report there, instead of being copied into every event."""
        table, quarantine = _read_lines(data, self.header, first_row)
        if table.height == 0:
            return ParseResult(harmonized.conform(_empty_with_row()), quarantine)
        table = table.with_columns(_line_offsets(data, table, first_row, first_offset))
        converted = table.select([*self._selection, pl.col("_offset")])
        converted = _fix_unusual_addresses(converted, table, self.report_type)
        refused = converted.select("_row", "_problem").filter(pl.col("_problem").is_not_null())
        if refused.height:
            quarantine.extend(_refusals(refused, table, data, first_row))
            quarantine.sort(key=lambda row: row.row)
        events = converted.filter(pl.col("_problem").is_null()).drop("_problem")
        return ParseResult(harmonized.conform(events), quarantine)


def _line_offsets(data: bytes, table: pl.DataFrame, first_row: int, first_offset: int) -> pl.Series:
    """The file offset of each row's line (row numbers count the chunk's lines from first_row)."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64) + first_offset
    index = table.get_column("_row").to_numpy() - first_row
    return pl.Series("_offset", starts[index], dtype=pl.Int64)


def _header(line: str) -> list[str]:
    header = pl.read_csv(line.strip().encode(), has_header=False, infer_schema=False).row(0)
    names = [str(name).strip() if name is not None else "" for name in header]
    if not names or any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError("the report's header row must name every column once")
    if names[0].startswith("_") or any(name.startswith("_") for name in names):
        raise ValueError("column names may not start with an underscore")
    return names


# --- Reading lines: a fast path for well-formed chunks, a careful one for the rest -------------------

_END = "\x02"  # appended to every line as one more field: a short or long row loses it


def _read_lines(data: bytes, header: list[str], first_row: int) -> tuple[pl.DataFrame, list]:
    """The chunk as a table of text columns plus ``_row`` and ``_line``, and its misshapen lines.

    Fast path: every line gets one more field, ``_END``; the CSV reader pads a short row and cuts a
    long one, so in both cases that field is not ``_END`` and the row is set aside. Chunks the fast
    path cannot vouch for (bytes that are not UTF-8, carriage returns, quotes that span lines, blank
    lines) are checked line by line instead.
    """
    if not data.endswith(b"\n"):
        data += b"\n"
    expected = data.count(b"\n")
    if _fast_path_applies(data):
        marked = data.replace(b"\n", f",{_END}\n".encode())
        try:
            table = pl.read_csv(
                marked,
                has_header=False,
                # A fixed schema, not names: the first row must not decide the column count.
                schema=dict.fromkeys([*header, "_end"], pl.String),
                missing_columns="insert",
                extra_columns="ignore",
                truncate_ragged_lines=True,
                quote_char='"',
            )
        except (pl.exceptions.PolarsError, OSError):
            # A quote in the wrong place ("unexpected end of file" is an OSError): the careful
            # path names the line.
            table = None
        if table is not None and table.height == expected:
            return _split_misshapen(table, data, header, first_row)
    return _read_carefully(data, header, first_row)


def _fast_path_applies(data: bytes) -> bool:
    # Bytes that are not UTF-8 make the CSV reader fail, which also sends the chunk to the careful
    # path: no need to decode the whole chunk here.
    return not (b"\r" in data or b"\n\n" in data or data.startswith(b"\n"))


def _split_misshapen(
    table: pl.DataFrame, data: bytes, header: list[str], first_row: int
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    """Set aside rows that lost the end marker: long ones are quarantined; short ones (their
    marker landed in a data column) are split again one at a time, as the careful path does."""
    table = table.with_row_index("_row", offset=first_row).with_columns(
        pl.col("_row").cast(pl.Int64)
    )
    end = table.get_column("_end")
    short, long = end.is_null(), end.is_not_null() & (end != _END)
    good = (
        table.filter(~(short | long))
        .drop("_end")
        .with_columns(pl.lit(None, pl.String).alias("_line"))
    )
    if not (short.any() or long.any()):
        return good, []
    lines = data.split(b"\n")

    def text(row: int) -> str:
        return lines[row - first_row].decode("utf-8", errors="replace")

    quarantine = [
        QuarantinedRow(row=row, reason=_field_count_reason(text(row)), raw=text(row))
        for row in table.filter(long).get_column("_row").to_list()
    ]
    if short.any():
        rows = table.filter(short).get_column("_row")
        again = pl.DataFrame(
            {"_row": rows, "line": [text(row) for row in rows.to_list()]},
            schema={"_row": pl.Int64, "line": pl.String},
        )
        padded, refused = _split_fields(again, header)
        quarantine.extend(refused)
        good = pl.concat([good, padded], how="diagonal_relaxed").sort("_row")
    quarantine.sort(key=lambda row: row.row)
    return good, quarantine


def _field_count_reason(line: str) -> str:
    rest = pl.Series([line]).str.replace_all(_QUOTED, "")
    if rest.str.contains('"', literal=True).item():
        return "unbalanced quotes"
    return (
        f"{rest.str.count_matches(',').item() + 1} fields where the header has a different number"
    )


def _read_carefully(
    data: bytes, header: list[str], first_row: int
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    text = data.decode("utf-8", errors="replace")
    lines = (
        pl.Series("line", [text])
        .str.split("\n")
        .explode()
        .str.strip_chars_end("\r")
        .to_frame()
        .with_row_index("_row", offset=first_row)
        .with_columns(pl.col("_row").cast(pl.Int64))
        # Empty lines (spacing, the last newline) are not records; a line of spaces is one (a
        # short row: quarantined when it lacks a required field), as on the fast path.
        .filter(pl.col("line").str.len_bytes() > 0)
    )
    problem = _shape_problems(lines, len(header))
    quarantine = [
        QuarantinedRow(row=row, reason=reason, raw=line)
        for row, line, reason in lines.with_columns(problem.alias("p"))
        .filter(pl.col("p").is_not_null())
        .iter_rows()
    ]
    good = lines.filter(problem.is_null())
    rows, refused = _split_fields(good, header)
    quarantine.extend(refused)
    quarantine.sort(key=lambda row: row.row)
    return rows, quarantine


def _split_fields(
    good: pl.DataFrame, header: list[str]
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    """Lines of the right shape, split with the csv module one at a time (this path is for the
    few chunks the fast one refused), so that one line the reader cannot follow is set aside
    alone."""
    columns: list[list[str | None]] = [[] for _ in header]
    kept_rows: list[int] = []
    kept_lines: list[str] = []
    refused = []
    for row, line in good.select("_row", "line").iter_rows():
        try:
            fields = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            refused.append(
                QuarantinedRow(row=row, reason=f"cannot be read as CSV: {exc}", raw=line)
            )
            continue
        if len(fields) > len(header):
            reason = f"{len(fields)} fields where the header has {len(header)}"
            refused.append(QuarantinedRow(row=row, reason=reason, raw=line))
            continue
        # A short row lacks trailing columns (a report older than its header, as IntelMQ reads
        # them): they are empty; a required one among them refuses the row later.
        fields += [""] * (len(header) - len(fields))
        for column, value in zip(columns, fields, strict=True):
            column.append(value if value != "" else None)
        kept_rows.append(row)
        kept_lines.append(line)
    table = pl.DataFrame(
        {
            name: pl.Series(name, values, dtype=pl.String)
            for name, values in zip(header, columns, strict=True)
        }
    ).with_columns(
        pl.Series("_row", kept_rows, dtype=pl.Int64),
        pl.Series("_line", kept_lines, dtype=pl.String),
    )
    return table, refused


def _shape_problems(lines: pl.DataFrame, columns: int) -> pl.Series:
    """Per line: why its shape is wrong (encoding, quoting, field count), or null."""
    rest = pl.col("line").str.replace_all(_QUOTED, "")
    fields = rest.str.count_matches(",") + 1
    return lines.select(
        pl.when(pl.col("line").str.contains("\ufffd", literal=True))
        .then(pl.lit("the line is not valid UTF-8"))
        .when(rest.str.contains('"', literal=True))
        .then(pl.lit("unbalanced quotes"))
        .when(fields > columns)
        .then(pl.format("{} fields where the header has {}", fields, pl.lit(columns)))
        .otherwise(None)
        .alias("problem")
    ).to_series()


# --- Converting: one polars expression per rule, all run in one select ------------------------------


def _selection(report: ReportType, header: list[str], observed: datetime) -> list[pl.Expr]:
    """The expressions that turn a table of text columns into harmonized columns, ``extra``,
    ``_row`` and ``_problem`` (why a required field is unusable, null when none is)."""
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
        _extra_struct(extra),
        pl.col("_row"),
        (pl.concat_str(problems, separator="; ", ignore_nulls=True) if problems else pl.lit(""))
        .replace("", None)
        .alias("_problem"),
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


def _fix_unusual_addresses(
    converted: pl.DataFrame, table: pl.DataFrame, report: ReportType
) -> pl.DataFrame:
    """Addresses and networks the expressions did not take (IPv6, odd spellings): checked once per
    distinct value with ``ipaddress``; a required one that is still unreadable refuses its row."""
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
        else:
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


def _refusals(
    refused: pl.DataFrame, table: pl.DataFrame, data: bytes, first_row: int
) -> list[QuarantinedRow]:
    """Quarantined rows with their original text: kept by the careful path; the fast path read
    every line as one record, so the n-th line of the chunk is row ``first_row + n``."""
    rows = refused.get_column("_row")
    kept = dict(
        table.filter(pl.col("_row").is_in(rows.implode())).select("_row", "_line").iter_rows()
    )
    lines: list[bytes] | None = None
    quarantined = []
    for row, reason in refused.select("_row", "_problem").iter_rows():
        raw = kept.get(row)
        if raw is None:
            lines = lines or data.split(b"\n")
            raw = lines[row - first_row].decode("utf-8", errors="replace")
        quarantined.append(QuarantinedRow(row=row, reason=reason, raw=raw))
    return quarantined


def _extra_struct(extra: dict[str, pl.Expr]) -> pl.Expr:
    """The extra values as one struct column: building it copies nothing; it becomes JSON only
    where events are stored or exported (``harmonized.extra_to_json``)."""
    if not extra:
        return pl.lit(None, pl.String).alias("extra")
    return pl.struct([value.alias(key) for key, value in extra.items()]).alias("extra")


def _empty_with_row() -> pl.DataFrame:
    return harmonized.empty_frame().with_columns(pl.lit(None, dtype=pl.Int64).alias("_row"))
