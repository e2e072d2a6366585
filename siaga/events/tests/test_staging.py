"""Staging a chunk's events before its transaction: the COPY text written ahead, and only the new
findings' lines of it copied when some findings repeat stored events."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from django.db import connection
from django.db.models import Sum

from siaga.events import actions
from siaga.events.models import Event
from siaga.events.tests.frames import keyed_frame

pytestmark = pytest.mark.django_db

SEEN = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY text is the PostgreSQL path"
)


def keyed(rows: list[tuple[str, str | None]]) -> pl.DataFrame:
    """A keyed frame as the pipeline hands it over: (source address, host name) per event."""
    return keyed_frame(
        {"source.ip": [ip for ip, _name in rows], "source.fqdn": [name for _ip, name in rows]},
        seen=SEEN,
    )


def stored() -> dict[str, tuple[str, int]]:
    return {
        ip: (name, count)
        for ip, name, count in Event.objects.values_list("source_ip", "source_fqdn", "count")
    }


def test_the_staged_text_has_one_line_per_finding():
    staged = actions.stage_events(
        keyed([("192.0.2.1", "a,b"), ("192.0.2.2", 'say "hi"'), ("192.0.2.1", "a,b")]),
        report_id=None,
        copy=True,
    )
    assert staged.events == 3
    assert staged.findings.height == 2
    assert staged.rows is None  # the text stands for the rows
    assert staged.copy_text is not None
    assert staged.copy_text.count("\n") == 2
    assert staged.copy_text.splitlines()[1].count('"say ""hi"""') == 1


def test_a_line_break_in_a_value_leaves_the_text_to_the_transaction():
    staged = actions.stage_events(
        keyed([("192.0.2.1", "two\nlines"), ("192.0.2.2", None)]), report_id=None, copy=True
    )
    assert staged.copy_text is None
    assert staged.rows is not None and staged.rows.height == 2


def test_no_text_is_written_where_rows_are_not_copied():
    staged = actions.stage_events(keyed([("192.0.2.1", None)]), report_id=None, copy=False)
    assert staged.copy_text is None
    assert staged.rows is not None and staged.rows.height == 1


@on_postgresql
def test_only_the_new_findings_lines_are_copied_when_some_repeat():
    actions.store_events(keyed([("192.0.2.1", None), ("192.0.2.2", "old")]), report_id=None)
    staged = actions.stage_events(
        keyed(
            [
                ("192.0.2.2", "old"),
                ("192.0.2.3", 'quote " and, comma'),
                ("192.0.2.4", ""),
                ("192.0.2.3", 'quote " and, comma'),
            ]
        ),
        report_id=None,
    )
    assert staged.copy_text is not None
    result = actions.store_staged(staged)
    assert (result.stored, result.merged) == (2, 2)
    assert Event.objects.count() == 4
    assert stored() == {
        "192.0.2.1": ("", 1),
        "192.0.2.2": ("old", 2),
        "192.0.2.3": ('quote " and, comma', 2),
        "192.0.2.4": ("", 1),
    }


@on_postgresql
def test_a_value_with_a_line_break_is_stored_whole_beside_repeats():
    actions.store_events(keyed([("192.0.2.1", None)]), report_id=None)
    result = actions.store_events(
        keyed([("192.0.2.1", None), ("192.0.2.5", "two\nlines")]), report_id=None
    )
    assert (result.stored, result.merged) == (1, 1)
    assert stored() == {"192.0.2.1": ("", 2), "192.0.2.5": ("two\nlines", 1)}


def test_a_chunk_of_repeats_only_copies_nothing_and_counts_them():
    actions.store_events(keyed([("192.0.2.1", None), ("192.0.2.2", None)]), report_id=None)
    result = actions.store_events(
        keyed([("192.0.2.2", None), ("192.0.2.1", None), ("192.0.2.2", None)]), report_id=None
    )
    assert (result.stored, result.merged) == (0, 3)
    assert Event.objects.count() == 2
    assert Event.objects.aggregate(total=Sum("count"))["total"] == 5


def test_staged_ahead_and_stored_at_once_give_the_same_rows():
    """What the pipeline stages in its preparing thread is what ``store_events`` would store."""
    frame = keyed([("192.0.2.7", "x"), ("192.0.2.8", None), ("192.0.2.7", "x")])
    result = actions.store_staged(actions.stage_events(frame, report_id=None))
    at_once = stored()
    Event.objects.all().delete()
    again = actions.store_events(frame, report_id=None)
    assert (result.stored, result.merged) == (again.stored, again.merged) == (2, 1)
    assert stored() == at_once == {"192.0.2.7": ("x", 2), "192.0.2.8": ("", 1)}
