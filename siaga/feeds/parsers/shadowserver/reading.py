"""Reading a chunk of a Shadowserver report's lines into a table of text columns.

Fast path: every line gets one more field, an end marker; the CSV reader pads a short row and cuts a
long one, so a row that lost its marker is looked at again: a long one is quarantined (its extra
values would be lost), a short one is read as IntelMQ does (its missing last columns are empty). A
chunk the fast path cannot vouch for — carriage returns, empty lines, bytes that are not UTF-8,
quotes the reader cannot follow — is read line by line with the same rules.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import polars as pl

from siaga.feeds.parsers.common import QuarantinedRow

# A complete quoted field ("" inside it is an escaped quote); what is left after removing them
# must hold exactly (columns - 1) commas and no quote at all.
_QUOTED = r'"(?:[^"]|"")*"'
_QUOTED_RE = re.compile(_QUOTED)


class Lines:
    """A chunk's bytes and where each of its lines starts: found once (numpy), shared by the
    reader, the line offsets and the quarantine, instead of splitting the chunk again each time."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._starts: np.ndarray | None = None

    @property
    def starts(self) -> np.ndarray:
        """Offsets of every line start within the chunk (after the last newline too)."""
        if self._starts is None:
            newlines = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == 0x0A)
            self._starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
        return self._starts

    def text(self, index: int) -> str:
        """The chunk's ``index``-th line (0-based), without its newline."""
        starts = self.starts
        start = int(starts[index])
        end = int(starts[index + 1]) - 1 if index + 1 < len(starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace")

    def has_blank_line(self) -> bool:
        return bool(np.any(np.diff(self.starts) == 1)) or self.data.startswith(b"\n")


def line_offsets(lines: Lines, table: pl.DataFrame, first_row: int, first_offset: int) -> pl.Series:
    """The file offset of each row's line (row numbers count the chunk's lines from first_row)."""
    index = table.get_column("_row").to_numpy() - first_row
    return pl.Series("_offset", lines.starts[index] + first_offset, dtype=pl.Int64)


def header_names(line: str) -> list[str]:
    header = pl.read_csv(line.strip().encode(), has_header=False, infer_schema=False).row(0)
    names = [str(name).strip() if name is not None else "" for name in header]
    if not names or any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError("the report's header row must name every column once")
    if names[0].startswith("_") or any(name.startswith("_") for name in names):
        raise ValueError("column names may not start with an underscore")
    return names


# --- Reading lines: a fast path for well-formed chunks, a careful one for the rest -------------------

_END = "\x02"  # appended to every line as one more field: a short or long row loses it


def read_lines(
    lines: Lines, header: list[str], first_row: int, columns: list[str] | None = None
) -> tuple[pl.DataFrame, list]:
    """The chunk as a table of text columns plus ``_row`` and ``_line``, and its misshapen lines.

    Fast path: every line gets one more field, ``_END``; the CSV reader pads a short row and cuts a
    long one, so in both cases that field is not ``_END`` and the row is set aside. Chunks the fast
    path cannot vouch for (bytes that are not UTF-8, carriage returns, quotes that span lines, blank
    lines) are checked line by line instead.

    ``columns``: only these are needed (the fast path then materializes only them, five times
    faster on wide reports; the careful path may give more).
    """
    data = lines.data
    expected = len(lines.starts) - 1
    if not data.endswith(b"\n"):
        data += b"\n"
        expected += 1
    if _fast_path_applies(lines):
        marked = data.replace(b"\n", f",{_END}\n".encode())
        try:
            table = pl.read_csv(
                marked,
                has_header=False,
                # A fixed schema, not names: the first row must not decide the column count.
                schema=dict.fromkeys([*header, "_end"], pl.String),
                columns=_projection(header, columns),
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
            return _split_misshapen(table, lines, header, first_row)
    return _read_carefully(data, header, first_row)


def _projection(header: list[str], columns: list[str] | None) -> list[int] | None:
    """Column positions to read (with the end marker's, always); None: all of them."""
    if columns is None:
        return None
    wanted = set(columns)
    return [index for index, name in enumerate(header) if name in wanted] + [len(header)]


def _fast_path_applies(lines: Lines) -> bool:
    # Bytes that are not UTF-8 make the CSV reader fail, which also sends the chunk to the careful
    # path: no need to decode the whole chunk here.
    return bool(lines.data) and not (b"\r" in lines.data or lines.has_blank_line())


def _split_misshapen(
    table: pl.DataFrame, lines: Lines, header: list[str], first_row: int
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    """Set aside rows that lost the end marker: long ones are quarantined; short ones (their
    marker landed in a data column) are split again one at a time, as the careful path does.

    Only the few misshapen rows are touched: the re-split short rows are written back in place
    (``scatter``) and one filter drops the rest, instead of filtering the whole table apart and
    concatenating and sorting it again (measured: a third of the parse on a typical chunk)."""
    end = table.get_column("_end")
    table = table.drop("_end").with_columns(
        pl.int_range(first_row, first_row + table.height, dtype=pl.Int64).alias("_row"),
        pl.lit(None, pl.String).alias("_line"),
    )
    misshapen = np.flatnonzero(end.ne_missing(_END).to_numpy())
    if not len(misshapen):
        return table, []
    ends = end.gather(misshapen).to_list()
    long_rows = [int(i) for i, value in zip(misshapen, ends, strict=True) if value is not None]
    short_rows = [int(i) for i, value in zip(misshapen, ends, strict=True) if value is None]
    quarantine = [
        QuarantinedRow(
            row=first_row + i, reason=_field_count_reason(lines.text(i)), raw=lines.text(i)
        )
        for i in long_rows
    ]
    drop = set(long_rows)
    if short_rows:
        again = pl.DataFrame(
            {
                "_row": [first_row + i for i in short_rows],
                "line": [lines.text(i) for i in short_rows],
            },
            schema={"_row": pl.Int64, "line": pl.String},
        )
        padded, refused = _split_fields(again, header, table.columns)
        quarantine.extend(refused)
        drop.update(row.row - first_row for row in refused)
        if padded.height:
            positions = padded.get_column("_row").to_numpy() - first_row
            table = table.with_columns(
                table.get_column(name).scatter(positions, padded.get_column(name))
                for name in table.columns
                if name != "_row"
            )
    keep = np.ones(table.height, dtype=bool)
    keep[sorted(drop)] = False
    quarantine.sort(key=lambda row: row.row)
    return table.filter(pl.Series(keep)), quarantine


def _field_count_reason(line: str) -> str:
    # One line: Python's re (the same leftmost-first matches as the column-wise polars pattern in
    # ``_shape_problems``) without building a polars Series for it.
    rest = _QUOTED_RE.sub("", line)
    if '"' in rest:
        return "unbalanced quotes"
    return f"{rest.count(',') + 1} fields where the header has a different number"


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
    good: pl.DataFrame, header: list[str], wanted: list[str] | None = None
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    """Lines of the right shape, split with the csv module one at a time (this path is for the
    few chunks the fast one refused), so that one line the reader cannot follow is set aside
    alone. ``wanted``: only these columns are built (default: all)."""
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
    keep = set(header if wanted is None else wanted)
    table = pl.DataFrame(
        [
            pl.Series(name, values, dtype=pl.String)
            for name, values in zip(header, columns, strict=True)
            if name in keep
        ]
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
