"""Keyed frames as the feed pipeline hands them to ``events.actions``, for the storing tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from siaga.events.choices import Severity
from siaga.feeds import harmonized

BY_ADDRESS = pl.col("source.ip").hash(seed=1).reinterpret(signed=True)


def keyed_frame(
    columns: dict[str, list[Any]],
    *,
    seen: datetime,
    key: pl.Expr = BY_ADDRESS,
    constituent: int | None = None,
    classification: tuple[str, str] = ("vulnerable", "vulnerable-system"),
) -> pl.DataFrame:
    """Harmonized ``columns`` (``_row`` defaults to 1, 2, ...) of one feed and classification,
    observed at ``seen``, with Siaga's own columns filled in and ``key`` as the dedupe key."""
    height = len(next(iter(columns.values())))
    taxonomy, event_type = classification
    frame = pl.DataFrame(
        {
            "feed.name": ["Test feed"] * height,
            "classification.taxonomy": [taxonomy] * height,
            "classification.type": [event_type] * height,
            "time.observation": [seen] * height,
            "_row": list(range(1, height + 1)),
            **columns,
        }
    )
    return harmonized.conform(frame).with_columns(
        pl.lit(constituent, pl.Int64).alias("constituent"),
        pl.lit(None, pl.String).alias("constituent_matched_by"),
        pl.lit(int(Severity.MEDIUM), pl.Int16).alias("severity"),
        pl.lit(False).alias("warninglisted"),
        pl.lit(False).alias("intel_matched"),
        key.alias("dedupe_key"),
    )
