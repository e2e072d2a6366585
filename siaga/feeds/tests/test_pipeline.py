"""A report from receipt to stored events: raw copy, chunks, attribution, severity, deduplication,
quarantine, and a second run after a crash that neither loses nor doubles anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, reset_queries
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.constituents.choices import AssetStatus
from siaga.constituents.lookup import forget_index
from siaga.constituents.models import ConstituentProfile, NetworkAsset
from siaga.events.choices import Severity
from siaga.events.models import Event
from siaga.feeds import actions, details, pipeline
from siaga.feeds.choices import FeedReportStatus, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow, ReportChunk
from siaga.jobs.actions import claim_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job

SCHEMA = {
    "scan_example": {
        "feed_name": "Open-Example",
        "file_name": "scan_example",
        "constant_fields": {
            "classification.taxonomy": "vulnerable",
            "classification.type": "vulnerable-system",
            "classification.identifier": "open-example",
            "protocol.transport": "tcp",
        },
        "required_fields": [
            ["time.source", "timestamp", "add_UTC_to_timestamp"],
            ["source.ip", "ip", "validate_ip"],
            ["source.port", "port", "convert_int"],
        ],
        "optional_fields": [["source.asn", "asn", "invalidate_zero"], ["extra.", "banner"]],
    }
}
HEADER = b"timestamp,ip,port,asn,banner\n"


@pytest.fixture(autouse=True)
def schema(settings, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    settings.SIAGA_SHADOWSERVER_SCHEMA = str(path)
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"


@pytest.fixture
def feed(db) -> Feed:
    return Feed.objects.create(name="Shadowserver", parser=ParserKind.SHADOWSERVER)


@pytest.fixture
def registry(orgs):
    for organization, network in (
        (orgs.hospital, "192.0.2.0/24"),
        (orgs.other_hospital, "198.51.100.0/24"),
    ):
        NetworkAsset.objects.create(
            organization=organization, kind="ip_range", value=network, status=AssetStatus.APPROVED
        )
    ConstituentProfile.objects.update_or_create(
        organization=orgs.hospital, defaults={"is_vital_infrastructure": True}
    )
    forget_index()
    yield orgs
    forget_index()


def receive(feed: Feed, body: bytes, name: str = "2026-11-29-scan_example-id.csv") -> FeedReport:
    report, created = actions.do_receive_report(
        feed, [HEADER + body], name, source=ReportSource.CLI
    )
    assert created
    return report


def run_jobs() -> None:
    for job in Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED).order_by("pk"):
        claimed = claim_job(job.pk)
        assert claimed is not None
        execute_job(claimed)


ROWS = (
    b'"2026-11-29 01:00:00",192.0.2.10,21,64500,"220 ready"\n'
    b'"2026-11-29 01:05:00",198.51.100.7,21,64501,\n'
    b'"2026-11-29 01:06:00",203.0.113.9,21,0,\n'
    b'"2026-11-29 02:00:00",192.0.2.10,21,64500,"220 ready again"\n'
    b"not a row\n"
)


def test_a_received_report_is_kept_raw_and_processed_into_events(feed, registry):
    report = receive(feed, ROWS)
    stored = actions.stored_path(report)
    assert stored.read_bytes() == HEADER + ROWS
    assert report.report_type == "scan_example"
    run_jobs()
    report.refresh_from_db()
    assert report.status == FeedReportStatus.DONE
    assert (report.rows_read, report.events_stored, report.duplicates, report.rows_quarantined) == (
        5,
        3,
        1,
        1,
    )
    events = {e.source_ip: e for e in Event.objects.all()}
    assert set(events) == {"192.0.2.10", "198.51.100.7", "203.0.113.9"}
    repeated = events["192.0.2.10"]
    assert repeated.count == 2
    assert repeated.last_seen == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    # The report's other columns are read back from the stored file (the first sighting's line).
    assert repeated.extra is None
    assert details.extra_of(repeated) == {"banner": "220 ready"}
    assert details.extras_for([events["198.51.100.7"]]) == {events["198.51.100.7"].pk: {}}
    assert repeated.constituent_id == registry.hospital.pk and repeated.matched_by == "ip"
    assert events["198.51.100.7"].constituent_id == registry.other_hospital.pk
    assert events["203.0.113.9"].constituent_id is None
    assert events["203.0.113.9"].source_asn is None  # 0 means unknown
    # Vital infrastructure raises a vulnerable system from medium to high.
    assert repeated.severity == Severity.HIGH
    assert events["198.51.100.7"].severity == Severity.MEDIUM
    assert repeated.classification_identifier == "open-example"
    assert repeated.report_id == report.pk and repeated.report_row == 1
    (bad,) = QuarantinedRow.objects.filter(report=report)
    assert (bad.row, bad.raw) == (5, "not a row")


def test_the_same_finding_in_the_next_report_raises_the_count(feed, registry):
    receive(feed, ROWS)
    receive(feed, b'"2026-11-29 05:00:00",192.0.2.10,21,64500,\n', "2026-11-29-scan_example-2.csv")
    run_jobs()
    event = Event.objects.get(source_ip="192.0.2.10")
    assert event.count == 3
    assert event.last_seen == datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert Event.objects.count() == 3


def test_the_same_file_twice_is_one_report(feed):
    first = receive(feed, ROWS)
    again, created = actions.do_receive_report(
        feed, [HEADER, ROWS], "copy.csv", source=ReportSource.CLI
    )
    assert (again.pk, created) == (first.pk, False)
    assert Job.objects.filter(kind=actions.JOB_KIND).count() == 1


def test_a_file_name_that_names_no_report_type_is_refused_before_storing(feed, settings):
    with pytest.raises(ValidationError, match="not a Shadowserver report type"):
        actions.do_receive_report(feed, [HEADER + ROWS], "export.csv", source=ReportSource.CLI)
    assert FeedReport.objects.count() == 0
    assert not any(Path(settings.SIAGA_FEED_REPORT_DIR).rglob("*[0-9a-f]"))


def test_an_empty_or_oversized_file_is_refused(feed, settings):
    with pytest.raises(ValidationError, match="empty"):
        actions.do_receive_report(feed, [b""], "scan_example.csv", source=ReportSource.CLI)
    settings.SIAGA_FEED_REPORT_MAX_MB = 1
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        actions.do_receive_report(
            feed, [b"x" * 700_000, b"y" * 700_000], "scan_example.csv", source=ReportSource.CLI
        )
    assert FeedReport.objects.count() == 0


def test_a_run_after_a_crash_skips_the_chunks_already_stored(feed, registry, monkeypatch, settings):
    body = b"".join(
        f'"2026-11-29 01:{i // 60:02d}:{i % 60:02d}",192.0.2.{i % 250},{1000 + i},,\n'.encode()
        for i in range(600)
    )
    report = receive(feed, body)
    path = actions.stored_path(report)
    real_store = pipeline._store_chunk
    calls = {"n": 0}

    def crash_on_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real_store(*args, **kwargs)

    settings.SIAGA_FEED_CHUNK_KB = 4
    monkeypatch.setattr(pipeline, "_store_chunk", crash_on_third_chunk)
    with pytest.raises(RuntimeError):
        pipeline.process_report(report, path)
    stored_before = Event.objects.count()
    assert stored_before > 0 and ReportChunk.objects.filter(report=report).count() == 2
    # The stored chunks' counts reached the statistics although the run failed.
    assert rolled_up() == {"events": stored_before, "findings": stored_before}
    monkeypatch.setattr(pipeline, "_store_chunk", real_store)
    result = pipeline.process_report(report, path)
    assert result.chunks_skipped == 2
    report.refresh_from_db()
    assert Event.objects.count() == 600 == report.events_stored
    assert report.rows_read == 600
    assert sorted(Event.objects.values_list("report_row", flat=True)) == list(range(1, 601))
    assert rolled_up() == {"events": 600, "findings": 600}  # each chunk counted once
    assert not ReportChunk.objects.filter(report=report).exclude(rollup=None).exists()


def rolled_up() -> dict[str, int]:
    from django.db.models import Sum

    from siaga.events.models import EventDailyCount

    return EventDailyCount.objects.aggregate(events=Sum("events"), findings=Sum("findings"))


def test_chunks_keep_their_rollups_until_the_report_is_done(feed, registry, settings, monkeypatch):
    """Each stored chunk keeps its roll-up rows; the report's end adds their sum, once."""
    body = b"".join(
        f'"2026-11-29 02:{i // 60:02d}:{i % 60:02d}",192.0.2.{i % 100},21,,\n'.encode()
        for i in range(300)
    )
    settings.SIAGA_FEED_CHUNK_KB = 4
    report = receive(feed, body)
    real_add = pipeline.add_chunk_rollups
    kept: list[pl.DataFrame] = []

    def look_first(report: FeedReport) -> int:
        blobs = ReportChunk.objects.filter(report=report).values_list("rollup", flat=True)
        kept.extend(pipeline.unpacked(bytes(blob)) for blob in blobs)
        assert rolled_up() == {"events": None, "findings": None}  # nothing added yet
        return real_add(report)

    monkeypatch.setattr(pipeline, "add_chunk_rollups", look_first)
    pipeline.process_report(report, actions.stored_path(report))
    assert len(kept) == ReportChunk.objects.filter(report=report).count() > 2
    # 100 addresses, 3 times each: 100 events and 300 findings, whichever chunk they were in.
    waiting = pl.concat(kept)
    assert (waiting["events"].sum(), waiting["findings"].sum()) == (100, 300)
    assert rolled_up() == {"events": 100, "findings": 300}
    assert not ReportChunk.objects.filter(report=report).exclude(rollup=None).exists()
    assert real_add(report) == 0  # nothing is added twice


def test_with_debug_on_the_query_log_does_not_grow_with_the_report(feed, registry, settings):
    """DEBUG keeps the text of recent queries, and each chunk's repeat lookup carries its keys: a
    worker (no request ends to clear them) would hold hundreds of megabytes on a big report."""
    body = b"".join(
        f'"2026-11-29 03:00:00",192.0.2.{i % 250},{1000 + i},,\n'.encode() for i in range(600)
    )
    settings.SIAGA_FEED_CHUNK_KB = 4
    settings.DEBUG = True
    report = receive(feed, body)
    reset_queries()
    pipeline.process_report(report, actions.stored_path(report))
    chunks = ReportChunk.objects.filter(report=report).count()
    assert chunks > 3
    # What is left: the statements after the last chunk (roll-ups, the report's counts).
    left = [query["sql"] for query in connection.queries]
    assert sum('INSERT INTO "feeds_reportchunk"' in sql for sql in left) == 0
    assert len(left) < 20


def test_chunks_are_cut_at_line_ends_and_numbered_by_line(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"h\n" + b"".join(f"{i}\n".encode() for i in range(1, 101)))
    pieces = list(pipeline.chunks(path, size=50))
    assert all(piece.data.endswith(b"\n") for piece in pieces)
    rebuilt = b"".join(piece.data for piece in pieces)
    assert rebuilt == b"".join(f"{i}\n".encode() for i in range(1, 101))
    content = path.read_bytes()
    for piece in pieces:
        assert piece.data.split(b"\n", 1)[0] == str(piece.first_row).encode()
        assert content[piece.offset : piece.offset + len(piece.data)] == piece.data


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    last_newline=st.booleans(),
    size=st.integers(min_value=1, max_value=64),
)
def test_chunks_give_back_every_byte_once_at_its_offset_and_row(
    tmp_path_factory, lines, last_newline, size
):
    """Lines longer than a chunk, a last line without its newline, empty lines: the chunks put
    together are the body; each one but the last ends a line; rows and offsets point at it."""
    body = b"\n".join(lines) + (b"\n" if last_newline and lines else b"")
    path = tmp_path_factory.mktemp("chunks") / "report.csv"
    path.write_bytes(b"header\n" + body)
    pieces = list(pipeline.chunks(path, size=size))
    assert b"".join(piece.data for piece in pieces) == body
    assert all(piece.data for piece in pieces)
    assert all(piece.data.endswith(b"\n") for piece in pieces[:-1])
    content = path.read_bytes()
    for piece in pieces:
        assert content[piece.offset : piece.offset + len(piece.data)] == piece.data
        assert piece.first_row == content[: piece.offset].count(b"\n")


def test_a_report_waiting_for_its_job_is_not_queued_twice(feed, personas):
    report = receive(feed, ROWS)
    with pytest.raises(ValidationError, match="being processed"):
        actions.check_reprocess_report(personas.cert_analyst, report)
    run_jobs()
    report.refresh_from_db()
    actions.check_reprocess_report(personas.cert_analyst, report)
    assert Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED).count() == 1


def test_a_transfer_that_breaks_off_leaves_no_partial_file(feed, settings):
    """A download that fails half-way stores nothing: no report, no temporary file."""

    def breaking():
        yield HEADER
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        actions.do_receive_report(feed, breaking(), "2026-11-29-scan_example-x.csv", source="cli")
    assert not FeedReport.objects.exists()
    store = Path(settings.SIAGA_FEED_REPORT_DIR)
    assert not list(store.glob(".incoming-*")), "a partial file was left in the report store"


def test_the_feed_names_a_report_holds_are_those_its_events_carry():
    """What a report holds while it stores (``siaga.feeds.locks``): each name once, an event
    without one as the empty name its deduplication key holds, and nothing for no events."""
    events = pl.DataFrame({"feed.name": ["Botnet-A", None, "Botnet-B", "Botnet-A"]})
    assert pipeline.feed_names_of(events) == {"Botnet-A", "Botnet-B", ""}
    assert pipeline.feed_names_of(events.head(0)) == frozenset()
    assert pipeline.feed_names_of(pl.DataFrame({"source.ip": ["192.0.2.1"]})) == {""}
