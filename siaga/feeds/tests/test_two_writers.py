"""On PostgreSQL two chunks of a report are stored at once, each on a connection of its own
(``pipeline._stored_beside``); a chunk holds back the findings that the chunk before it may touch
until that one has committed (``events.actions.HeldBack``), and the report's feed names are held
for the whole report (``siaga.feeds.locks``). These tests use committed data (another connection
sees nothing of a test's open transaction), so they run only on PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum

from siaga.events import actions as storing
from siaga.events.models import Event
from siaga.feeds import actions, harmonized, locks, pipeline
from siaga.feeds.choices import ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow, ReportChunk
from siaga.feeds.parsers import shadowserver
from siaga.feeds.quarantine import check_retry_quarantined

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the second connection: PostgreSQL only"
    ),
]

SCHEMA = {
    "scan_example": {
        "feed_name": "Open-Example",
        "file_name": "scan_example",
        "constant_fields": {
            "classification.taxonomy": "vulnerable",
            "classification.type": "vulnerable-system",
            "classification.identifier": "open-example",
        },
        "required_fields": [
            ["time.source", "timestamp", "add_UTC_to_timestamp"],
            ["source.ip", "ip", "validate_ip"],
            ["source.port", "port", "convert_int"],
        ],
        "optional_fields": [],
    }
}
SCHEMA["scan_other"] = {
    **SCHEMA["scan_example"],
    "feed_name": "Open-Other",
    "file_name": "scan_other",
    "constant_fields": {
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "classification.identifier": "open-other",
    },
}
HEADER = b"timestamp,ip,port\n"
NAMES = frozenset({"Open-Example"})  # what a report of scan_example holds


@pytest.fixture(autouse=True)
def schema(settings, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    settings.SIAGA_SHADOWSERVER_SCHEMA = str(path)
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    settings.SIAGA_FEED_CHUNK_KB = 4  # ~110 rows a chunk


@pytest.fixture
def feed() -> Feed:
    return Feed.objects.create(name="Shadowserver", parser=ParserKind.SHADOWSERVER)


def receive(
    feed: Feed, body: bytes, day: str = "2026-11-29", kind: str = "scan_example"
) -> FeedReport:
    report, created = actions.do_receive_report(
        feed, [HEADER + body], f"{day}-{kind}-id.csv", source=ReportSource.CLI, start=False
    )
    assert created
    return report


def rows(count: int, addresses: int, hour: int = 1) -> bytes:
    """``count`` rows over ``addresses`` findings in turn: each repeats the one ``addresses`` rows
    before it, which is in the same chunk or the one before."""
    return b"".join(
        f'"2026-11-29 {hour:02d}:{i // 60 % 60:02d}:{i % 60:02d}",192.0.2.{i % addresses},21\n'.encode()
        for i in range(count)
    )


def test_two_chunks_are_stored_at_once_on_connections_of_their_own(feed, monkeypatch):
    """The first chunk waits, inside its transaction, until the second has started: stored one
    after the other, it would wait in vain. Repeats across the two are counted once each."""
    real_store = pipeline._store_chunk
    second_started = threading.Event()
    first_saw_second: list[bool] = []
    threads: set[str] = set()
    backends: set[int] = set()

    def store(report: FeedReport, first_row: int, *args: Any) -> Any:
        threads.add(threading.current_thread().name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        if first_row == 1:
            first_saw_second.append(second_started.wait(30))
        else:
            second_started.set()
        return real_store(report, first_row, *args)

    monkeypatch.setattr(pipeline, "_store_chunk", store)
    report = receive(feed, rows(600, 100))
    result = pipeline.process_report(report, actions.stored_path(report))

    assert first_saw_second == [True]
    # 100 findings, six times each, each repeat in the chunk of its last sighting or the next.
    assert Event.objects.count() == 100 == result.stored
    assert result.merged == 500 and result.rows == 600
    assert Event.objects.aggregate(Sum("count"))["count__sum"] == 600
    assert set(Event.objects.values_list("count", flat=True)) == {6}
    assert threads == {"feeds-store-0_0", "feeds-store-1_0"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] not in backends
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(backends)]
        )
        assert cursor.fetchone()[0] == 0  # the writers' connections are closed


def test_findings_that_the_chunk_beside_may_touch_wait_for_its_commit(feed):
    """The chunk before holds its transaction open: the findings of the next chunk that repeat
    it are looked up only after it has committed (and counted on its events); the others are
    copied before the wait."""
    report = receive(feed, rows(1, 1))  # its events are staged below instead
    first = staged_chunk(report, [f"192.0.2.{i}" for i in range(10)])
    second = staged_chunk(report, [f"192.0.2.{i}" for i in range(5, 15)])
    stored_first, commit_first = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def store_first() -> None:
        try:
            with transaction.atomic():
                storing.store_staged(first)
                stored_first.set()
                commit_first.wait(30)
        except BaseException as exc:
            failure.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=store_first)
    writer.start()
    assert stored_first.wait(30)
    seen_at_wait: list[int] = []

    def wait_for_first() -> None:
        seen_at_wait.append(Event.objects.count())  # in this transaction: its own copies
        commit_first.set()
        writer.join()

    try:
        with transaction.atomic():
            held = storing.HeldBack(first.findings.get_column("dedupe_key"), wait_for_first)
            result = storing.store_staged(second, held_back=held)
    finally:
        commit_first.set()
        writer.join()
    assert not failure
    assert seen_at_wait == [5]  # 192.0.2.10-14, new, were copied before the wait
    assert result.stored == 5 and result.merged == 5
    assert Event.objects.count() == 15
    counts = dict(Event.objects.values_list("source_ip", "count"))
    assert counts == {f"192.0.2.{i}": 2 if 5 <= i < 10 else 1 for i in range(15)}


def staged_chunk(report: FeedReport, addresses: list[str]) -> storing.StagedEvents:
    body = "".join(f'"2026-11-29 01:00:00",{address},21\n' for address in addresses).encode()
    parser = shadowserver.ChunkParser(
        shadowserver.detect_report("2026-11-29-scan_example-id.csv"),
        HEADER.decode(),
        keep_extra=False,
    )
    parsed = parser.parse(body, first_row=1)
    frame = pipeline.prepare(harmonized.conform(parsed.events), *pipeline.current_context())
    return storing.stage_events(frame, report_id=report.pk)


def test_a_chunk_beside_a_failed_one_is_not_committed_and_a_rerun_completes(feed, monkeypatch):
    """The third chunk fails while the fourth is being stored beside it: the fourth waits for
    it, so it fails too and its events are rolled back; the stored chunks stay the report's
    first ones, and a second run stores the rest."""
    real_store = pipeline._store_chunk
    report = receive(feed, rows(600, 100))
    path = actions.stored_path(report)
    firsts = [chunk.first_row for chunk in pipeline.chunks(path)]
    assert len(firsts) >= 5
    fourth_started = threading.Event()

    def store(report: FeedReport, first_row: int, *args: Any) -> Any:
        if first_row == firsts[3]:
            fourth_started.set()
        if first_row == firsts[2]:
            assert fourth_started.wait(30)
            raise RuntimeError("worker killed")
        return real_store(report, first_row, *args)

    monkeypatch.setattr(pipeline, "_store_chunk", store)
    with pytest.raises(RuntimeError, match="worker killed"):
        pipeline.process_report(report, path)
    stored_chunks = sorted(
        ReportChunk.objects.filter(report=report).values_list("first_row", flat=True)
    )
    assert stored_chunks == firsts[:2]
    assert not Event.objects.filter(report_row__gte=firsts[2]).exists()

    monkeypatch.setattr(pipeline, "_store_chunk", real_store)
    result = pipeline.process_report(report, path)
    assert result.chunks_skipped == 2
    assert Event.objects.count() == 100
    assert set(Event.objects.values_list("count", flat=True)) == {6}
    report.refresh_from_db()
    assert report.rows_read == 600 and report.events_stored == 100 and report.duplicates == 500


def test_a_second_report_counts_on_the_first_reports_events(feed):
    first = receive(feed, rows(300, 150, hour=1))
    pipeline.process_report(first, actions.stored_path(first))
    second = receive(feed, rows(300, 150, hour=3), day="2026-11-30")
    result = pipeline.process_report(second, actions.stored_path(second))
    assert result.stored == 0 and result.merged == 300
    assert Event.objects.count() == 150
    assert set(Event.objects.values_list("count", flat=True)) == {4}


def test_two_feeds_that_deliver_one_report_type_never_store_a_finding_twice(feed, monkeypatch):
    """The same report arrives through two feeds (by HTTP, and by mail as a backup): its
    findings carry the same feed name, so they are one finding each. The second report waits
    while the first is storing them; had it not, it would not have seen the first's uncommitted
    events and would have stored every finding a second time."""
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.05)
    backup = Feed.objects.create(name="Shadowserver by mail", parser=ParserKind.SHADOWSERVER)
    first, second = receive(feed, rows(20, 20)), receive(backup, rows(20, 20))
    real_store = pipeline.store_staged
    inside, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def store_and_linger(*args: Any, **kwargs: Any) -> Any:
        stored = real_store(*args, **kwargs)
        if not inside.is_set():  # the first report, inside its chunk's transaction
            inside.set()
            release.wait(10)
        return stored

    def process_first() -> None:
        try:
            pipeline.process_report(first, actions.stored_path(first))
        except BaseException as exc:
            failure.append(exc)
        finally:
            connection.close()

    monkeypatch.setattr(pipeline, "store_staged", store_and_linger)
    thread = threading.Thread(target=process_first)
    thread.start()
    waited: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        if done == 0:
            waited.append((done, total))
            release.set()  # the first report may commit now that the second one waits

    try:
        assert inside.wait(30)
        result = pipeline.process_report(second, actions.stored_path(second), progress=progress)
    finally:
        release.set()
        thread.join()
    assert not failure
    assert Event.objects.count() == 20
    assert set(Event.objects.values_list("count", flat=True)) == {2}
    assert result.stored == 0 and result.merged == 20
    assert waited


def test_reports_of_other_types_are_not_held_by_this_one(feed):
    """A report holds only its own findings' feed name: a report of another type, from the same
    feed, is processed meanwhile."""
    other = receive(feed, rows(20, 20), kind="scan_other")

    def progress(done: int, total: int) -> None:
        assert done > 0, "the report of another type waited for its feed"

    with held_by_another_session(NAMES):
        result = pipeline.process_report(other, actions.stored_path(other), progress=progress)
    assert result.stored == 20
    assert set(Event.objects.values_list("feed_name", flat=True)) == {"Open-Other"}


def test_the_feed_names_are_held_for_the_whole_report(feed, monkeypatch):
    """Another writer of the feed name — an analyst retrying quarantined rows — is refused while
    a report is processed (the report's chunks do not take the feed's row lock), and may go on
    once it is done."""
    report = receive(feed, rows(300, 300) + b"not a row\n")
    seen_by_other: list[bool] = []
    real_store = pipeline._store_chunk

    def store_and_ask(*args: Any, **kwargs: Any) -> Any:
        seen_by_other.append(_other_session_may_write(NAMES))
        return real_store(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_store_chunk", store_and_ask)
    pipeline.process_report(report, actions.stored_path(report))
    assert seen_by_other and not any(seen_by_other)
    assert _other_session_may_write(NAMES)


def test_a_list_holds_the_feed_names_of_its_events(monkeypatch):
    """A list read whole (IntelMQ events of two partners' feeds) holds each name its events
    carry, and no other."""
    feed = Feed.objects.create(name="Partners", parser=ParserKind.INTELMQ_JSONL)
    lines = [
        {
            "feed.name": name,
            "classification.taxonomy": "malicious-code",
            "classification.type": "infected-system",
            "source.ip": f"192.0.2.{number}",
            "time.source": "2026-11-29T01:00:00+00:00",
        }
        for number, name in enumerate(["Botnet-A", "Botnet-B", "Botnet-A"])
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    report, _ = actions.do_receive_report(
        feed, [body], "partners.jsonl", source=ReportSource.CLI, start=False
    )
    real_store = pipeline._store_chunk
    seen: dict[str, bool] = {}

    def store_and_ask(*args: Any, **kwargs: Any) -> Any:
        for name in ("Botnet-A", "Botnet-B", "Botnet-C"):
            seen[name] = _other_session_may_write(frozenset({name}))
        return real_store(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_store_chunk", store_and_ask)
    assert pipeline.process_report(report, actions.stored_path(report)).stored == 3
    assert seen == {"Botnet-A": False, "Botnet-B": False, "Botnet-C": True}


def test_feed_names_are_taken_all_or_none(monkeypatch):
    """Another session holds one of two names: the one taken meanwhile is let go again while
    waiting (holding it, this writer could keep a third from both), and both are held after."""
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.05)
    first, last = sorted(["Open-Example", "Open-Other"], key=locks.name_key)
    free_while_waiting: list[bool] = []
    with held_by_another_session(frozenset({last})) as release:

        def waiting() -> None:
            free_while_waiting.append(_other_session_may_write(frozenset({first})))
            if len(free_while_waiting) == 2:
                release.set()

        with locks.held_for_report({first, last}, waiting=waiting):
            assert not _other_session_may_write(frozenset({first}))
            assert not _other_session_may_write(frozenset({last}))
    assert free_while_waiting[:2] == [True, True]
    assert _other_session_may_write(frozenset({first, last}))


def test_a_retry_is_refused_while_a_report_of_its_feed_names_is_processed(feed, personas):
    """A corrected row would store an event of "Open-Example" while a report of that name holds
    it: refused, and stored once the report is done. A row that still cannot be read stores
    nothing, so it is tried meanwhile."""
    report = receive(feed, rows(10, 10) + b"not a row\nnor this one\n")
    pipeline.process_report(report, actions.stored_path(report))
    corrected, unreadable = QuarantinedRow.objects.filter(report=report).order_by("row")
    correction = {corrected.row: '"2026-11-29 01:00:00",192.0.2.99,21'}
    with held_by_another_session(NAMES):
        with pytest.raises(ValidationError, match="being processed"):
            check_retry_quarantined(
                personas.cert_analyst, report, [corrected.row], corrections=correction
            )
        outcome = check_retry_quarantined(personas.cert_analyst, report, [unreadable.row])
        assert list(outcome.still_quarantined) == [unreadable.row]
    outcome = check_retry_quarantined(
        personas.cert_analyst, report, [corrected.row], corrections=correction
    )
    assert outcome.stored == [corrected.row]
    assert Event.objects.filter(source_ip="192.0.2.99", feed_name="Open-Example").exists()


def _other_session_may_write(feed_names: frozenset[str]) -> bool:
    answer: list[bool] = []

    def ask() -> None:
        try:
            with transaction.atomic():
                answer.append(locks.try_hold_for_transaction(feed_names))
        finally:
            connection.close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    return answer[0]


def test_a_report_waits_for_its_feed_names_and_tells_its_job_it_is_alive(feed, monkeypatch):
    """Another report of the feed name holds it: this one waits, reporting progress (its job's
    heartbeat) meanwhile, and is processed once the name is free."""
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.05)
    report = receive(feed, rows(20, 20))
    calls: list[tuple[int, int]] = []
    with held_by_another_session(NAMES) as release:

        def progress(done: int, total: int) -> None:
            calls.append((done, total))
            if len(calls) == 3:
                assert Event.objects.count() == 0  # still waiting: nothing stored
                release.set()

        result = pipeline.process_report(report, actions.stored_path(report), progress=progress)
    size = actions.stored_path(report).stat().st_size
    assert calls[:3] == [(0, size)] * 3
    assert result.stored == 20 == Event.objects.count()
    assert calls[-1][0] > 0  # then the chunks' progress


@contextlib.contextmanager
def held_by_another_session(feed_names: frozenset[str]) -> Iterator[threading.Event]:
    """The feed names held for a report by another session (a thread with its own connection)
    until the block ends or the event it gives is set."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with locks.held_for_report(feed_names):
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        yield release
    finally:
        release.set()
        holder.join()
