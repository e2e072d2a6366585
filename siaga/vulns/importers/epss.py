"""FIRST's daily EPSS scores (``epss_scores-YYYY-MM-DD.csv``, usually gzip'd).

The file starts with a comment line ``#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z``
and then ``cve,epss,percentile``. Read with polars. Only CVEs Siaga already knows are updated: a
row of EPSS is no reason to create a vulnerability (the file lists every published CVE), so the
others are counted as skipped under one reason. Rows with a bad CVE id or a score outside 0..1 are
skipped and listed. A file older than the scores stored for a CVE does not overwrite them. The
whole file is written in one transaction.
"""

from __future__ import annotations

import gzip
import io
import re
from datetime import date
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone

from siaga.vulns.choices import ImportSource
from siaga.vulns.importers import BATCH_SIZE, ImportResult
from siaga.vulns.models import CVE_ID_PATTERN, Vulnerability

_SCORE_DATE = re.compile(r"score_date:(\d{4}-\d{2}-\d{2})")
COLUMNS = ["cve", "epss", "percentile"]


def import_epss(source: Path | bytes, score_date: date | None = None) -> ImportResult:
    """Update the EPSS fields of known vulnerabilities from one EPSS CSV file (plain or gzip)."""
    result = ImportResult(source=str(source) if isinstance(source, Path) else "EPSS scores")
    try:
        raw = source.read_bytes() if isinstance(source, Path) else source
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        frame, file_date = _read(text, score_date)
    except (OSError, EOFError, ValueError, pl.exceptions.PolarsError) as exc:
        result.errors.append(str(exc))
        return result
    frame = _valid_rows(frame, result)
    _apply(frame, file_date, result)
    return result


def _read(text: bytes, score_date: date | None) -> tuple[pl.DataFrame, date]:
    first, _, rest = text.partition(b"\n")
    if first.startswith(b"#"):
        found = _SCORE_DATE.search(first.decode("utf-8", "replace"))
        if found:
            score_date = date.fromisoformat(found.group(1))
        body = rest
    else:
        body = text
    if score_date is None:
        raise ValueError(
            "no score_date in the file's first line (#model_version:...,score_date:...)"
        )
    frame = pl.read_csv(io.BytesIO(body), infer_schema=False, has_header=True)
    if frame.columns[:3] != COLUMNS:
        raise ValueError(f"the header must be {','.join(COLUMNS)}, not {','.join(frame.columns)}")
    return frame.select(COLUMNS).with_row_index(
        "line", offset=3 if first.startswith(b"#") else 2
    ), score_date


def _valid_rows(frame: pl.DataFrame, result: ImportResult) -> pl.DataFrame:
    """Typed rows (cve, epss, percentile); the bad ones skipped with their line and field."""
    typed = frame.with_columns(
        pl.col("cve").str.strip_chars(),
        pl.col("epss").str.strip_chars().cast(pl.Float64, strict=False).alias("score"),
        pl.col("percentile").str.strip_chars().cast(pl.Float64, strict=False).alias("rank"),
    )
    checks = [
        ("cve", ~pl.col("cve").fill_null("").str.contains(CVE_ID_PATTERN), "is not a CVE id"),
        ("epss", ~pl.col("score").is_between(0, 1).fill_null(False), "is not a number from 0 to 1"),
        (
            "percentile",
            ~pl.col("rank").is_between(0, 1).fill_null(False),
            "is not a number from 0 to 1",
        ),
    ]
    bad = pl.lit(False)
    for column, condition, message in checks:
        for line, cve, value in (
            typed.filter(condition & ~bad)
            .select("line", pl.col("cve").alias("name"), pl.col(column).alias("value"))
            .iter_rows()
        ):
            result.skip(
                f"line {line} ({cve})" if cve else f"line {line}", column, f"{value!r} {message}"
            )
        bad = bad | condition
    typed = typed.filter(~bad)
    repeated = typed.filter(
        pl.col("cve").is_duplicated() & pl.col("cve").is_first_distinct().not_()
    )
    for line, cve in repeated.select("line", "cve").iter_rows():
        result.skip(f"line {line} ({cve})", "cve", "listed twice; the first row is kept")
    return typed.unique("cve", keep="first", maintain_order=True).select(
        "cve", pl.col("score").alias("epss"), pl.col("rank").alias("percentile")
    )


def _stored() -> pl.DataFrame:
    rows = Vulnerability.objects.values_list(
        "pk", "cve_id", "epss_score", "epss_percentile", "epss_date"
    )
    return pl.DataFrame(
        list(rows),
        schema={
            "pk": pl.Int64,
            "cve": pl.String,
            "old_epss": pl.Float64,
            "old_percentile": pl.Float64,
            "old_date": pl.Date,
        },
        orient="row",
    )


def _apply(frame: pl.DataFrame, file_date: date, result: ImportResult) -> None:
    with transaction.atomic():
        joined = frame.join(_stored(), on="cve", how="left")
        unknown = joined.filter(pl.col("pk").is_null()).height
        if unknown:
            result.skip(
                "EPSS", "cve", f"{unknown} CVEs are not in Siaga's vulnerabilities (not created)"
            )
            result.skipped += unknown - 1
        known = joined.filter(pl.col("pk").is_not_null())
        older = known.filter(pl.col("old_date") > file_date).height
        if older:
            result.skip(
                "EPSS", "score_date", f"{older} CVEs have scores newer than {file_date} (kept)"
            )
            result.skipped += older - 1
        known = known.filter(pl.col("old_date").is_null() | (pl.col("old_date") <= file_date))
        same = (
            pl.col("old_epss").eq_missing(pl.col("epss"))
            & pl.col("old_percentile").eq_missing(pl.col("percentile"))
            & pl.col("old_date").eq_missing(pl.lit(file_date))
        )
        result.unchanged += known.filter(same).height
        changed = known.filter(~same)
        now = timezone.now()
        rows = [
            Vulnerability(
                pk=pk,
                epss_score=score,
                epss_percentile=rank,
                epss_date=file_date,
                last_source=ImportSource.EPSS,
                last_imported_at=now,
                updated_at=now,
            )
            for pk, score, rank in changed.select("pk", "epss", "percentile").iter_rows()
        ]
        fields = [
            "epss_score",
            "epss_percentile",
            "epss_date",
            "last_source",
            "last_imported_at",
            "updated_at",
        ]
        Vulnerability.objects.bulk_update(rows, fields, batch_size=BATCH_SIZE)
        result.updated += len(rows)
