"""Finding a chunk's repeats among the stored events: by (address, key) through the one index on
both columns, and by key among the events without an address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from siaga.events import actions
from siaga.events.models import Event
from siaga.events.tests.frames import keyed_frame

pytestmark = pytest.mark.django_db

SEEN = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


# The pipeline's key holds the address: here the key is hashed from the address and host name.
BY_ADDRESS_AND_NAME = (
    pl.concat_str(
        pl.col("source.ip").fill_null(""), pl.col("source.fqdn").fill_null(""), separator="|"
    )
    .hash(seed=1)
    .reinterpret(signed=True)
)


# The lookup's probes in a query plan: by (address, key), and by key among rows without an address.
PAIR_PROBE = re.compile(r"Index Cond: \(\(source_ip = \w+\.ip\) AND \(dedupe_key = \w+\.key\)\)")
KEY_PROBE = re.compile(r"Index Cond: \(\(source_ip IS NULL\) AND \(dedupe_key = \w+\.key\)\)")


def keyed(rows: list[tuple[str | None, str | None]], seen: datetime = SEEN) -> pl.DataFrame:
    """A keyed frame as the pipeline hands it over: (source address, host name) per event."""
    return keyed_frame(
        {"source.ip": [ip for ip, _name in rows], "source.fqdn": [name for _ip, name in rows]},
        seen=seen,
        key=BY_ADDRESS_AND_NAME,
        classification=("malicious-code", "malware-distribution"),
    )


def counts() -> dict[tuple[str | None, str], int]:
    return {
        (ip, name): count
        for ip, name, count in Event.objects.values_list("source_ip", "source_fqdn", "count")
    }


def store(frame: pl.DataFrame) -> actions.StoreResult:
    with transaction.atomic():  # as the pipeline stores a chunk
        return actions.store_events(frame, report_id=None)


def test_repeats_with_and_without_an_address_are_counted_on_their_stored_events():
    first = [
        ("192.0.2.10", None),
        (None, "bad.example"),
        ("2001:db8::7", None),
        (None, "worse.example"),
    ]
    store(keyed(first))
    result = store(
        keyed([(None, "bad.example"), ("192.0.2.10", None), (None, "new.example")])
        .vstack(keyed([("2001:db8::7", None), ("192.0.2.11", None)]))
        .with_columns(pl.int_range(1, 6).cast(pl.Int64).alias("_row"))
    )
    assert (result.stored, result.merged) == (2, 3)
    assert counts() == {
        ("192.0.2.10", ""): 2,
        (None, "bad.example"): 2,
        ("2001:db8::7", ""): 2,
        (None, "worse.example"): 1,
        (None, "new.example"): 1,
        ("192.0.2.11", ""): 1,
    }


def test_an_address_less_repeat_is_not_taken_for_an_addressed_event_with_its_key():
    # Two stored events with one key (as a hash collision would give them): a finding without an
    # address is counted on the event without one, not on the addressed event.
    store(keyed([("192.0.2.20", None)]))
    addressed = Event.objects.get()
    Event.objects.create(
        feed_name="Test feed",
        classification_taxonomy="malicious-code",
        classification_type="malware-distribution",
        source_fqdn="only.example",
        time_observation=SEEN,
        last_seen=SEEN,
        dedupe_key=addressed.dedupe_key,
    )
    frame = keyed([(None, "only.example")]).with_columns(
        pl.lit(addressed.dedupe_key, pl.Int64).alias("dedupe_key")
    )
    assert store(frame).merged == 1
    assert counts() == {("192.0.2.20", ""): 1, (None, "only.example"): 2}


def test_a_repeat_outside_the_window_is_a_new_event(settings):
    settings.SIAGA_EVENT_DEDUPE_HOURS = 24
    store(keyed([("192.0.2.30", None), (None, "late.example")]))
    later = SEEN + timedelta(hours=25)
    result = store(keyed([("192.0.2.30", None), (None, "late.example")], seen=later))
    assert (result.stored, result.merged) == (2, 0)
    assert Event.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL query plan")
def test_the_lookup_probes_the_index_once_per_finding_whatever_the_statistics_say():
    """A freshly loaded table has no statistics (autovacuum has not analyzed it): as a join the
    planner put the table on the outside of a nested loop or hashed all of it once per chunk."""
    store(keyed([(f"192.0.2.{n}", None) for n in range(1, 200)] + [(None, "a.example")]))
    frame = keyed([(f"192.0.2.{n}", None) for n in range(1, 50)] + [(None, "a.example")])
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        actions.store_events(frame, report_id=None)
        lookup = next(query["sql"] for query in captured if "LATERAL" in query["sql"])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {lookup}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    # Each finding (the outer side: the unnested arrays) is one probe of the index by both columns.
    assert plan.count("Nested Loop") == 2
    assert len(PAIR_PROBE.findall(plan)) == 1
    assert len(KEY_PROBE.findall(plan)) == 1
    assert "Hash" not in plan
    assert "Seq Scan" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compilation")
def test_the_lookup_and_the_raise_run_without_jit_compilation():
    """With a large, analyzed table the estimates of a chunk's probes pass ``jit_above_cost``, and
    compiling the statement cost ~300 ms a chunk where the probes cost ~45 ms."""
    store(keyed([(f"192.0.2.{n}", None) for n in range(1, 20)]))
    jit_during: dict[str, str] = {}

    def spy(execute, sql, params, many, context):
        kind = "lookup" if "LATERAL" in sql else "raise" if "SET count" in sql else None
        if kind:
            # The driver's own cursor: the setting in force when the statement runs.
            with context["connection"].connection.cursor() as raw:
                raw.execute("SHOW jit")
                jit_during[kind] = raw.fetchone()[0]
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            before = cursor.fetchone()[0]
        with connection.execute_wrapper(spy):
            result = actions.store_events(
                keyed([(f"192.0.2.{n}", None) for n in range(1, 10)]), report_id=None
            )
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            after = cursor.fetchone()[0]
    assert result.merged == 9
    assert jit_during == {"lookup": "off", "raise": "off"}
    assert after == before  # the rest of the caller's transaction keeps the server's setting


def test_array_text_keeps_each_value_in_its_place():
    assert actions._array_text(pl.Series([7, None, -3], dtype=pl.Int64)) == "7,NULL,-3"
    assert actions._array_text(pl.Series([], dtype=pl.Int64)) == ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {actions._ARRAY}::bigint[], {actions._ARRAY}::bigint[]", ["7,NULL,-3", ""]
            )
            assert cursor.fetchone() == ([7, None, -3], [])
