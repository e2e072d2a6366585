"""``harmonized.conform``: every harmonized column, in order and of its type, helpers after."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from siaga.feeds import harmonized


def test_missing_columns_are_added_as_nulls_in_the_harmonized_order() -> None:
    frame = harmonized.conform(pl.DataFrame({"source.port": ["80"], "_row": [7]}))

    assert frame.columns == [*harmonized.FIELDS, "_row"]
    assert dict(frame.schema.items()) == {**harmonized.FIELDS, "_row": pl.Int64()}
    assert frame.row(0, named=True)["source.port"] == 80
    assert frame.row(0, named=True)["feed.name"] is None
    assert frame.row(0, named=True)["_row"] == 7


def test_a_conformed_frame_is_given_back_as_it_is() -> None:
    conformed = harmonized.conform(pl.DataFrame({"source.ip": ["192.0.2.1"], "_offset": [12]}))

    assert harmonized.conform(conformed) is conformed


def test_a_struct_extra_is_kept_and_a_column_of_the_wrong_type_is_cast() -> None:
    conformed = harmonized.conform(
        pl.DataFrame({"extra": [{"tag": "ftp"}], "time.observation": [datetime(2026, 1, 15)]})
    )
    assert isinstance(conformed.schema["extra"], pl.Struct)
    assert conformed.schema["time.observation"] == harmonized.UTC_TIME
    assert harmonized.conform(conformed) is conformed

    retyped = conformed.with_columns(pl.col("source.port").cast(pl.String))
    again = harmonized.conform(retyped)

    assert again is not retyped
    assert again.schema["source.port"] == pl.Int32()
    assert again.row(0, named=True)["time.observation"] == datetime(2026, 1, 15, tzinfo=UTC)


def test_columns_out_of_order_are_put_in_order() -> None:
    conformed = harmonized.conform(pl.DataFrame({"source.ip": ["192.0.2.1"]}))
    shuffled = conformed.select(["source.ip", *[c for c in conformed.columns if c != "source.ip"]])

    assert harmonized.conform(shuffled).columns == list(harmonized.FIELDS)
