"""On PostgreSQL a chunk's repeats are looked up on a second connection while the chunk before it
is stored (``pipeline.with_repeats_ahead``), and the feed is held for the whole report
(``siaga.feeds.locks``). These tests use committed data (another connection sees nothing of a
test's open transaction), so they run only on PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum

from siaga.events import actions as storing
from siaga.events.models import Event
from siaga.feeds import actions, locks, pipeline
from siaga.feeds.choices import ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow
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
HEADER = b"timestamp,ip,port\n"


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


def receive(feed: Feed, body: bytes, day: str = "2026-11-29") -> FeedReport:
    report, created = actions.do_receive_report(
        feed, [HEADER + body], f"{day}-scan_example-id.csv", source=ReportSource.CLI, start=False
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


class LookedUpAtOnce:
    """The lookups' executor, made deterministic: each lookup is done, in a thread of its own,
    before ``submit`` returns — before the chunk before it is stored, the case a lookup ahead
    must survive (left to the scheduler, it may as well run after that chunk committed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="feeds-lookup")

    def submit(self, work: Any, *args: Any) -> Future[Any]:
        future = self.pool.submit(work, *args)
        wait([future])
        return future

    def __enter__(self) -> LookedUpAtOnce:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown()


def test_repeats_of_the_chunk_stored_meanwhile_are_found_again(feed, monkeypatch):
    monkeypatch.setattr(pipeline, "ThreadPoolExecutor", LookedUpAtOnce)
    threads: list[str] = []
    backends: set[int] = set()
    real_lookup = pipeline.look_up_repeats

    def lookup(staged: storing.StagedEvents) -> dict[int, int]:
        threads.append(threading.current_thread().name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        return real_lookup(staged)

    monkeypatch.setattr(pipeline, "look_up_repeats", lookup)
    report = receive(feed, rows(600, 100))
    result = pipeline.process_report(report, actions.stored_path(report))

    # 100 findings, six times each, each repeat in the chunk of its last sighting or the next.
    assert Event.objects.count() == 100 == result.stored
    assert Event.objects.aggregate(Sum("count"))["count__sum"] == 600
    assert set(Event.objects.values_list("count", flat=True)) == {6}
    # Every chunk was looked up ahead, on the lookup thread's own connection, now closed.
    assert len(threads) >= 5 and all(name.startswith("feeds-lookup") for name in threads)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        main = cursor.fetchone()[0]
        assert main not in backends
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(backends)]
        )
        assert cursor.fetchone()[0] == 0


def test_a_second_report_counts_on_the_first_reports_events(feed, monkeypatch):
    monkeypatch.setattr(pipeline, "ThreadPoolExecutor", LookedUpAtOnce)
    first = receive(feed, rows(300, 150, hour=1))
    pipeline.process_report(first, actions.stored_path(first))
    second = receive(feed, rows(300, 150, hour=3), day="2026-11-30")
    result = pipeline.process_report(second, actions.stored_path(second))
    assert result.stored == 0 and result.merged == 300
    assert Event.objects.count() == 150
    assert set(Event.objects.values_list("count", flat=True)) == {4}


def test_the_feed_is_held_for_the_whole_report(feed, monkeypatch):
    """Another writer of the feed — an analyst retrying quarantined rows — is refused while a
    report is processed (its lookups ahead would not see what that writer stored), and may go
    on once it is done."""
    report = receive(feed, rows(300, 300) + b"not a row\n")
    seen_by_other: list[bool] = []
    real_store = pipeline._store_chunk

    def store_and_ask(*args: Any, **kwargs: Any) -> None:
        seen_by_other.append(_other_session_may_write(feed.pk))
        real_store(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_store_chunk", store_and_ask)
    pipeline.process_report(report, actions.stored_path(report))
    assert seen_by_other and not any(seen_by_other)
    assert _other_session_may_write(feed.pk)


def test_a_retry_is_refused_while_a_report_of_the_feed_is_processed(feed, personas):
    report = receive(feed, rows(10, 10) + b"not a row\n")
    pipeline.process_report(report, actions.stored_path(report))
    row = QuarantinedRow.objects.get(report=report).row
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with locks.held_for_report(feed.pk):
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        with pytest.raises(ValidationError, match="being processed"):
            check_retry_quarantined(personas.cert_analyst, report, [row])
    finally:
        release.set()
        holder.join()
    outcome = check_retry_quarantined(personas.cert_analyst, report, [row])
    assert outcome.still_quarantined  # "not a row" is still not a row, but it was tried


def _other_session_may_write(feed_id: int) -> bool:
    answer: list[bool] = []

    def ask() -> None:
        try:
            with transaction.atomic():
                answer.append(locks.try_hold_for_transaction(feed_id))
        finally:
            connection.close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    return answer[0]


def test_a_report_waits_for_its_feed_and_tells_its_job_it_is_alive(feed, monkeypatch):
    """Another report of the feed holds it: this one waits, reporting progress (its job's
    heartbeat) meanwhile, and is processed once the feed is free."""
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.05)
    report = receive(feed, rows(20, 20))
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with locks.held_for_report(feed.pk):
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        if len(calls) == 3:
            assert Event.objects.count() == 0  # still waiting: nothing stored
            release.set()

    try:
        assert holding.wait(30)
        result = pipeline.process_report(report, actions.stored_path(report), progress=progress)
    finally:
        release.set()
        holder.join()
    size = actions.stored_path(report).stat().st_size
    assert calls[:3] == [(0, size)] * 3
    assert result.stored == 20 == Event.objects.count()
    assert calls[-1][0] > 0  # then the chunks' progress
