"""What every parser returns: harmonized events, and the rows it could not read (never dropped)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True)
class QuarantinedRow:
    """A record of the report that could not be read: kept with the reason, to be re-processed."""

    row: int  # 1-based position of the record in the report (data rows, header not counted)
    reason: str
    raw: str


@dataclass
class ParseResult:
    """``events``: a harmonized frame (``harmonized.conform``) with a ``_row`` column (Int64, the
    record's 1-based position); ``quarantine``: the records that could not be read."""

    events: pl.DataFrame
    quarantine: list[QuarantinedRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.events.height + len(self.quarantine)
