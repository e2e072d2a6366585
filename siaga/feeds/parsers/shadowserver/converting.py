"""Converting a table of text columns into harmonized columns: one polars expression per rule of
the report type, run in a few column-wise steps (``Selection``); rows whose required fields cannot
be read are refused with a reason naming the column."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from siaga.feeds import harmonized
from siaga.feeds.columns import (
    FALSE_WORDS,
    FQDN_PATTERN,
    IPV4_PATTERN,
    PLACEHOLDERS,
    TRUE_WORDS,
    canonical_ip,
    canonical_network,
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

# --- Converting: one polars expression per rule, each computed once ------------------------------


@dataclass(frozen=True)
class Selection:
    """The conversion of a table of text columns, in steps that each compute a column once:

    1. the trimmed text of each column a rule reads (``_t:<column>``);
    2. each rule's converted value (``_v<n>``); Shadowserver's own timestamp spelling is read
       directly and only the few other texts are cleaned and read again;
    3. "present but unreadable" per rule (``_x<n>``), and whether the row has a problem;
    4. the harmonized columns, ``extra``, ``_row``; ``_problem`` is spelt out only for the rows
       that have one.

    As one ``select`` of nested expressions, the trimmed text and the converted value were
    computed again for each use (field, problem text, extra), and the problem text was built for
    every row: about 200 ms of CPU for 200,000 rows of a scan report, 75 ms in these steps."""

    texts: list[str]  # the column of each trimmed text
    strip: list[pl.Expr]
    values: list[pl.Expr]
    timestamps: list[tuple[str, str]]  # (trimmed text, value) of each timestamp rule
    checks: list[pl.Expr]
    final: list[pl.Expr]
    problems: list[tuple[pl.Expr, pl.Expr]]  # (whether, what) per required field
    # Per address rule: "text present but not a dotted IPv4 address or a plain network": only
    # then must ``fix_unusual_addresses`` look at the column.
    pending: list[pl.Expr]
    address_texts: list[str]  # the trimmed texts of the address columns

    def convert(self, table: pl.DataFrame, *keep: str) -> tuple[pl.DataFrame, bool]:
        """The converted table (with the ``keep`` columns of ``table``) and whether any address
        awaits ``fix_unusual_addresses`` (then the trimmed texts of the address columns,
        ``_t:<column>``, come along for it, and it drops them)."""
        staged = _blank_to_null(table.lazy().with_columns(self.strip).collect(), self.texts)
        staged = staged.lazy().with_columns(self.values).collect()
        for text, value in self.timestamps:
            staged = _read_odd_timestamps(staged, text, value)
        staged = staged.lazy().with_columns(self.checks).with_columns(self._flags).collect()
        texts = self.address_texts if staged.get_column("_waiting").any() else []
        converted = staged.select(*self.final, *keep, *texts, self._problem(staged))
        return converted, bool(texts)

    @functools.cached_property
    def _flags(self) -> list[pl.Expr]:
        """Per row: a required field is unusable (``_bad``); an address awaits
        ``fix_unusual_addresses`` (``_waiting``). Built once per report."""
        return [
            pl.any_horizontal([when for when, _ in self.problems] or [pl.lit(False)]).alias("_bad"),
            pl.any_horizontal(self.pending or [pl.lit(False)]).alias("_waiting"),
        ]

    def _problem(self, staged: pl.DataFrame) -> pl.Expr:
        """Why each row's required fields are unusable (null: they are fine), worked out only for
        the few rows that have a problem."""
        positions = staged.get_column("_bad").arg_true()
        if not len(positions) or not self.problems:
            return pl.lit(None, pl.String).alias("_problem")
        texts = staged[positions].select(
            pl.concat_str([what for _, what in self.problems], separator="; ", ignore_nulls=True)
            .replace("", None)
            .alias("_problem")
        )
        problem = pl.repeat(None, staged.height, dtype=pl.String, eager=True).alias("_problem")
        return pl.lit(problem.scatter(positions, texts.to_series()))


def _blank_to_null(staged: pl.DataFrame, texts: list[str]) -> pl.DataFrame:
    """Trimmed texts that are empty become null. The reader gives empty fields as null already,
    so only the few blank or quoted empty values are rewritten, in place."""
    if not texts:
        return staged
    blanks = staged.select((pl.col(name).str.len_bytes() == 0).any() for name in texts).row(0)
    fixes = []
    for name, blank in zip(texts, blanks, strict=True):
        if blank:
            column = staged.get_column(name)
            positions = (column.str.len_bytes() == 0).arg_true()
            fixes.append(column.clone().scatter(positions, None))
    return staged.with_columns(fixes) if fixes else staged


def _read_odd_timestamps(staged: pl.DataFrame, text: str, value: str) -> pl.DataFrame:
    """Timestamps not in Shadowserver's own spelling, read again after cleaning (only those)."""
    odd = (staged.get_column(value).is_null() & staged.get_column(text).is_not_null()).arg_true()
    if not len(odd):
        return staged
    # Only the text column of those rows, not the whole (wide) frame's.
    again = (
        staged.get_column(text).gather(odd).to_frame().select(_cleaned_timestamp(pl.col(text)))
    ).to_series()
    return staged.with_columns(staged.get_column(value).clone().scatter(odd, again))


def selection(
    report: ReportType, header: list[str], observed: datetime, *, keep_extra: bool = True
) -> Selection:
    """The steps that turn a table of text columns into harmonized columns, ``extra``, ``_row``
    and ``_problem`` (why a required field is unusable, null when none is).

    ``keep_extra=False``: ``extra`` stays empty (the pipeline keeps each event's line offset and
    reads the extra columns back from the stored report when someone looks)."""
    texts: dict[str, pl.Expr] = {}
    values: list[pl.Expr] = []
    timestamps: list[tuple[str, str]] = []
    checks: list[pl.Expr] = []
    pending: list[pl.Expr] = []
    fields: dict[str, pl.Expr] = {}
    extra: dict[str, pl.Expr] = {}
    problems: list[tuple[pl.Expr, pl.Expr]] = []
    for number, rule in enumerate(report.rules):
        if rule.column not in header:
            continue  # an optional column this report does not have (the constructor checked the
            # required ones): Shadowserver adds and drops columns over the years
        if not keep_extra and rule.extra_key is not None and rule not in report.required_fields:
            continue  # an extra value, not read at all (``harmonized_columns``)
        text = _text_column(texts, rule.column)
        value = pl.col(f"_v{number}")
        converted, invalid = _conversion(text, rule.conversion, value)
        values.append(converted.alias(f"_v{number}"))
        if rule.conversion == "add_UTC_to_timestamp":
            timestamps.append((f"_t:{rule.column}", f"_v{number}"))
        if not invalid.meta.eq(_NEVER):
            checks.append(invalid.alias(f"_x{number}"))
            invalid = pl.col(f"_x{number}")
        if rule.conversion in ADDRESS_CONVERSIONS and rule.extra_key is None:
            pending.append(text.is_not_null() & value.is_null())
        if rule in report.required_fields and rule.conversion in ADDRESS_CONVERSIONS:
            # Only "missing" here: other spellings are looked at after the select.
            problems.append(
                (text.is_null(), pl.when(text.is_null()).then(pl.lit(f"{rule.column}: missing")))
            )
        elif rule in report.required_fields:
            problems.append(
                (
                    invalid | value.is_null(),
                    pl.when(invalid)
                    .then(pl.lit(f"{rule.column}: cannot be read"))
                    .when(value.is_null())
                    .then(pl.lit(f"{rule.column}: missing")),
                )
            )
        elif rule.conversion in FALLIBLE_CONVERSIONS:
            # The field stays empty and the text is kept: under the column's name for a
            # harmonized field, beside the typed extra value (``<key>_text``) for an extra one.
            kept_as = f"{rule.extra_key}_text" if rule.extra_key else rule.column
            extra.setdefault(kept_as, pl.when(invalid).then(text))
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
    final = [
        *[expr.alias(field) for field, expr in fields.items()],
        *[pl.lit(value, pl.String).alias(field) for field, value in constants.items()],
        pl.lit(observed, dtype=harmonized.UTC_TIME).alias("time.observation"),
        _extra_struct(extra if keep_extra else {}),
        pl.col("_row"),
    ]
    return Selection(
        texts=[f"_t:{column}" for column in texts],
        strip=list(texts.values()),
        values=values,
        timestamps=timestamps,
        checks=checks,
        final=final,
        problems=problems,
        pending=pending,
        address_texts=sorted(
            {
                f"_t:{rule.column}"
                for rule in report.rules
                if rule.conversion in ADDRESS_CONVERSIONS
                and rule.extra_key is None
                and rule.column in texts
            }
        ),
    )


def _text_column(texts: dict[str, pl.Expr], column: str) -> pl.Expr:
    """The trimmed text of ``column`` (made null where empty by ``_blank_to_null``)."""
    name = f"_t:{column}"  # report columns never start with "_" (``header_names``)
    texts.setdefault(column, pl.col(column).str.strip_chars().alias(name))
    return pl.col(name)


def harmonized_columns(report: ReportType, header: list[str]) -> list[str]:
    """The report's columns that become harmonized fields or decide whether a row is refused:
    all that is read when the extra columns are not kept."""
    return [
        column
        for column in header
        if any(rule.column == column and rule.extra_key is None for rule in report.rules)
        or any(rule.column == column for rule in report.required_fields)
    ]


_NEVER = pl.lit(False)


def _conversion(
    text: pl.Expr, conversion: str | None, converted: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """(converted value, "present but unreadable") for one column's trimmed text; the second
    refers to the first as ``converted`` (its column, computed once)."""
    present = text.is_not_null()
    never = _NEVER
    if conversion in (None, "convert_http_host_and_url"):
        return text, never
    if conversion == "validate_to_none":
        return pl.when(~text.str.to_lowercase().is_in(PLACEHOLDERS)).then(text), never
    if conversion == "add_UTC_to_timestamp":
        # Shadowserver's own spelling; ``_read_odd_timestamps`` reads the others.
        value = text.str.to_datetime(
            "%Y-%m-%d %H:%M:%S", strict=False, time_zone="UTC", time_unit="us"
        )
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
    return value, present & converted.is_null()


def _cleaned_timestamp(text: pl.Expr) -> pl.Expr:
    """A timestamp in another spelling (``T``, ``Z``, ``+00:00``, fractions of seconds). Reading
    Shadowserver's own spelling directly first and this only where that failed gives the same
    values as this for every text (a property test checks it), at a third of the cost."""
    cleaned = text.str.replace("T", " ", literal=True).str.replace(
        r"(?:Z|z|\+00(?::?00)?| UTC)$", ""
    )
    return cleaned.str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f", strict=False, time_zone="UTC", time_unit="us"
    )


def fix_unusual_addresses(
    converted: pl.DataFrame, table: pl.DataFrame, report: ReportType, *, keep_extra: bool = True
) -> pl.DataFrame:
    """Addresses and networks the expressions did not take (IPv6, odd spellings): checked one by
    one with ``ipaddress``; a required one that is still unreadable refuses its row, an optional
    one keeps its text in ``extra`` (unless extras are read back from the line).

    ``converted`` carries the trimmed texts of the address columns (``Selection.convert``);
    they are dropped here. The values looked at are a handful a chunk, so they are handled in
    Python and written back in place: as polars operations over the whole column, the fixed
    cost of each was most of the work (5.1 ms for a chunk of the benchmark's report; now 2.1)."""
    for rule in report.rules:
        if (
            rule.conversion not in ADDRESS_CONVERSIONS
            or rule.extra_key
            or rule.column not in table.columns
        ):
            continue
        texts = converted.get_column(f"_t:{rule.column}")
        current = converted.get_column(rule.field)
        positions = (texts.is_not_null() & current.is_null()).arg_true()
        if not len(positions):
            continue
        canonical = canonical_ip if rule.conversion == "validate_ip" else canonical_network
        values = [canonical(text) for text in texts.gather(positions).to_list()]
        fixed = current.clone().scatter(positions, pl.Series(values, dtype=pl.String))
        converted = converted.with_columns(fixed.alias(rule.field))
        unreadable = [
            int(position)
            for position, value in zip(positions.to_list(), values, strict=True)
            if value is None
        ]
        if not unreadable:
            continue
        if rule in report.required_fields:
            problems = _with_problem(
                converted.get_column("_problem"), unreadable, f"{rule.column}: cannot be read"
            )
            converted = converted.with_columns(problems)
        elif keep_extra:
            mask = np.zeros(converted.height, dtype=bool)
            mask[unreadable] = True
            converted = _keep_in_extra(converted, rule.column, table, pl.Series(mask))
    return converted.drop([name for name in converted.columns if name.startswith("_t:")])


def _with_problem(problems: pl.Series, positions: list[int], problem: str) -> pl.Series:
    """``problem`` added to the rows at ``positions``, after what they say already."""
    before = problems.gather(positions).to_list()
    joined = [problem if old is None else f"{old}; {problem}" for old in before]
    return problems.clone().scatter(positions, pl.Series(joined, dtype=pl.String))


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
    kept: dict[int, str] = {}
    if table.get_column("_line").null_count() < table.height:  # lines the careful path kept
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
