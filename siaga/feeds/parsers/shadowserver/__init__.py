"""Shadowserver reports, driven by a declarative table: report type → column → harmonized field.

``schema`` reads the table (Shadowserver's own schema format), ``reading`` turns a chunk of lines
into text columns (catching rows that are too long, reading short ones as IntelMQ does), and
``converting`` turns the columns into harmonized ones with one polars expression per rule. A
required field that is missing or unreadable quarantines its row with a reason naming the column;
optional values that do not convert are kept as text in ``extra``, and columns the table does not
know go to ``extra`` too: nothing in a report is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow
from siaga.feeds.parsers.shadowserver.converting import (
    empty_with_row,
    fix_unusual_addresses,
    harmonized_columns,
    refusals,
    selection,
)
from siaga.feeds.parsers.shadowserver.reading import (
    Lines,
    header_names,
    line_offsets,
    read_lines,
)
from siaga.feeds.parsers.shadowserver.schema import (
    CONVERSIONS,
    DEFAULT_SCHEMA,
    PROVIDER,
    FieldRule,
    LoadedSchema,
    ReportType,
    SchemaError,
    detect_report,
    load_schema,
    read_schema,
)

__all__ = [
    "CONVERSIONS",
    "DEFAULT_SCHEMA",
    "PROVIDER",
    "ChunkParser",
    "FieldRule",
    "LoadedSchema",
    "ParseResult",
    "QuarantinedRow",
    "ReadChunk",
    "ReportType",
    "SchemaError",
    "detect_report",
    "load_schema",
    "parse_report",
    "read_schema",
]


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
        keep_extra: bool = True,
    ) -> None:
        """``keep_extra=False``: events carry no ``extra`` (only the harmonized columns are read,
        several times faster on wide reports); their ``_offset`` leads back to the whole line."""
        self.report_type = report_type
        self.header = header_names(header_line)
        self.observation_time = observation_time or datetime.now(UTC)
        missing = [r.column for r in report_type.required_fields if r.column not in self.header]
        if missing:
            raise ValueError(
                f"the report has no column {', '.join(sorted(set(missing)))} that "
                f"{report_type.key} requires (its header: {', '.join(self.header[:20])})"
            )
        self._selection = selection(
            report_type, self.header, self.observation_time, keep_extra=keep_extra
        )
        self._columns = None if keep_extra else harmonized_columns(report_type, self.header)

    def parse(self, data: bytes, *, first_row: int, first_offset: int = 0) -> ParseResult:
        """``data``: whole data lines; ``first_row``: the report row number of the first one;
        ``first_offset``: where ``data`` starts in the report file. Events carry ``_offset``, the
        byte offset of their line in the file: what a report says beyond the harmonized fields is
        read back from the stored report there, instead of being copied into every event."""
        return self.convert(self.read(data, first_row=first_row, first_offset=first_offset))

    def read(self, data: bytes, *, first_row: int, first_offset: int = 0) -> ReadChunk:
        """The first half of ``parse``: the chunk's lines as text columns (the pipeline reads
        the next chunk in one thread while it converts and prepares this one in another)."""
        lines = Lines(data)
        table, quarantine = read_lines(lines, self.header, first_row, self._columns)
        if table.height:
            table = table.with_columns(line_offsets(lines, table, first_row, first_offset))
        return ReadChunk(lines, table, quarantine, first_row)

    def convert(self, chunk: ReadChunk) -> ParseResult:
        """The second half of ``parse``: text columns into harmonized ones."""
        lines, table, quarantine, first_row = chunk
        if table.height == 0:
            return ParseResult(harmonized.conform(empty_with_row()), quarantine)
        converted, waiting = self._selection.convert(table, "_offset")
        if waiting:
            converted = fix_unusual_addresses(
                converted, table, self.report_type, keep_extra=self._columns is None
            )
        refused = converted.select("_row", "_problem").filter(pl.col("_problem").is_not_null())
        events = converted.drop("_problem")
        if refused.height:
            quarantine.extend(refusals(refused, table, lines, first_row))
            quarantine.sort(key=lambda row: row.row)
            events = events.filter(converted.get_column("_problem").is_null())
        return ParseResult(harmonized.conform(events), quarantine)


class ReadChunk(NamedTuple):
    """A chunk read into text columns, not yet converted (``ChunkParser.read``)."""

    lines: Lines
    table: pl.DataFrame
    quarantine: list[QuarantinedRow]
    first_row: int
