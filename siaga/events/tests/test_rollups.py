"""Daily roll-ups: what a stored chunk adds (new events, merged findings), per day in the site's
time zone, unattributed events in one row, and the same numbers as the events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from django.db.models import Count, Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.events import actions
from siaga.events.choices import Severity
from siaga.events.models import Event, EventDailyCount
from siaga.events.rollups import record_rollup
from siaga.events.tests.frames import keyed_frame
from siaga.feeds.harmonized import UTC_TIME

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
EVENING = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # 03:00 the next day in Jakarta


def findings(*rows: dict[str, Any]) -> pl.DataFrame:
    """Collapsed findings as ``store_events`` hands them over (one row per dedupe key)."""
    base = {
        "feed.name": "Shadowserver Open RDP",
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "constituent": None,
        "severity": int(Severity.MEDIUM),
        "time.observation": MORNING,
        "last_seen": MORNING,
        "count": 1,
    }
    return pl.DataFrame(
        [{**base, "dedupe_key": key, **row} for key, row in enumerate(rows, start=1)],
        schema={
            "feed.name": pl.String,
            "classification.taxonomy": pl.String,
            "classification.type": pl.String,
            "constituent": pl.Int64,
            "severity": pl.Int16,
            "time.observation": UTC_TIME,
            "last_seen": UTC_TIME,
            "count": pl.Int64,
            "dedupe_key": pl.Int64,
        },
    )


def counts() -> dict[tuple[Any, ...], tuple[int, int]]:
    return {
        (row.day, row.classification_type, row.constituent_id, row.severity): (
            row.events,
            row.findings,
        )
        for row in EventDailyCount.objects.all()
    }


def test_new_rows_count_as_events_and_findings_merged_ones_as_findings(orgs):
    hospital = orgs.hospital.pk
    frame = findings(
        {"constituent": hospital, "count": 3},  # one event, seen three times in the chunk
        {"constituent": hospital},
        {"constituent": hospital, "count": 2},  # merged into an event stored earlier
    )
    assert record_rollup(frame, merged={3}) == 1
    assert counts() == {
        (date(2026, 11, 29), "vulnerable-system", hospital, Severity.MEDIUM): (2, 6)
    }


def test_a_second_chunk_adds_to_the_same_rows(orgs):
    record_rollup(findings({"constituent": orgs.hospital.pk}, {}), merged=())
    record_rollup(findings({"constituent": orgs.hospital.pk, "count": 4}, {}), merged={2})
    assert counts() == {
        (date(2026, 11, 29), "vulnerable-system", orgs.hospital.pk, Severity.MEDIUM): (2, 5),
        (date(2026, 11, 29), "vulnerable-system", None, Severity.MEDIUM): (1, 2),
    }
    assert EventDailyCount.objects.filter(constituent__isnull=True).count() == 1


def test_each_dimension_has_its_own_row_and_the_day_is_the_sites():
    record_rollup(
        findings(
            {},
            {"time.observation": EVENING},
            {"severity": int(Severity.HIGH)},
            {"classification.type": "infected-system"},
            {"time.observation": None, "last_seen": EVENING},  # no observation time: last seen
        ),
        merged=(),
    )
    assert counts() == {
        (date(2026, 11, 29), "vulnerable-system", None, Severity.MEDIUM): (1, 1),
        (date(2026, 11, 30), "vulnerable-system", None, Severity.MEDIUM): (2, 2),
        (date(2026, 11, 29), "vulnerable-system", None, Severity.HIGH): (1, 1),
        (date(2026, 11, 29), "infected-system", None, Severity.MEDIUM): (1, 1),
    }


def test_nothing_stored_adds_nothing():
    assert record_rollup(findings().clear(), merged=()) == 0
    assert not EventDailyCount.objects.exists()


def test_many_rows_go_in_batches():
    frame = findings(*({"feed.name": f"Feed {n}"} for n in range(250)))
    assert record_rollup(frame) == 250
    assert EventDailyCount.objects.aggregate(n=Sum("events"))["n"] == 250


# --- Through ``store_events`` ------------------------------------------------------------------------


def test_stored_events_and_their_rollups_agree(orgs):
    def frame(rows: list[tuple[str, int]]) -> pl.DataFrame:
        return keyed_frame(
            {"source.ip": [ip for ip, _row in rows], "_row": [row for _ip, row in rows]},
            seen=MORNING,
            constituent=orgs.hospital.pk,
        )

    actions.store_events(
        frame([("192.0.2.1", 1), ("192.0.2.2", 2), ("192.0.2.1", 3)]), report_id=None
    )
    actions.store_events(frame([("192.0.2.2", 1), ("192.0.2.3", 2)]), report_id=None)
    stored = Event.objects.aggregate(events=Count("pk"), findings=Sum("count"))
    rolled = EventDailyCount.objects.aggregate(events=Sum("events"), findings=Sum("findings"))
    assert stored == rolled == {"events": 3, "findings": 5}


# --- Kept and summed later (a report's chunks) ---------------------------------------------------------

_ROW = st.fixed_dictionaries(
    {
        "day": st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 4)),
        "feed_name": st.sampled_from(["A", "B"]),
        "classification_taxonomy": st.just("vulnerable"),
        "classification_type": st.sampled_from(["vulnerable-system", "infected-system"]),
        "constituent": st.one_of(st.none(), st.integers(1, 3)),
        "severity": st.integers(1, 4),
        "events": st.integers(0, 5),
        "findings": st.integers(1, 9),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_ROW, max_size=12), max_size=6))
def test_kept_rows_survive_packing_and_sum_like_one_grouping(parts):
    from siaga.events.rollups import ROLLUP_SCHEMA, combined, packed, unpacked

    frames = [pl.DataFrame(part, schema=ROLLUP_SCHEMA) for part in parts]
    restored = [unpacked(packed(frame)) for frame in frames]
    assert all(a.equals(b) for a, b in zip(frames, restored, strict=True))
    total = combined(restored)
    keys = ["day", "feed_name", "classification_taxonomy", "classification_type", "constituent"]
    expected: dict[tuple, list[int]] = {}
    for part in parts:
        for row in part:
            key = (*(row[k] for k in keys), row["severity"])
            sums = expected.setdefault(key, [0, 0])
            sums[0] += row["events"]
            sums[1] += row["findings"]
    got = {(*row[:6],): [row[6], row[7]] for row in total.iter_rows()}
    assert got == expected
    assert total.columns == list(ROLLUP_SCHEMA)


def test_a_chunk_without_events_stores_and_keeps_nothing():
    """A chunk whose every row was quarantined reaches ``store_events`` with no events."""
    from siaga.feeds import harmonized

    empty = harmonized.conform(pl.DataFrame({"feed.name": pl.Series([], dtype=pl.String)}))
    result = actions.store_events(empty, report_id=None, defer_rollup=True)
    assert (result.stored, result.merged, result.rollup) == (0, 0, None)
    assert not EventDailyCount.objects.exists()
