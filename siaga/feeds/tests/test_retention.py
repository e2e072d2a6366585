"""Retention: events and reports past SIAGA_FEED_RETENTION_DAYS go together, files included."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from siaga.audit.models import AuditEntry
from siaga.events.models import Event
from siaga.feeds import actions, pipeline
from siaga.feeds.choices import ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport, QuarantinedRow, ReportChunk
from siaga.feeds.retention import do_apply_retention

SCHEMA = {
    "scan_example": {
        "feed_name": "Open-Example",
        "file_name": "scan_example",
        "constant_fields": {
            "classification.taxonomy": "vulnerable",
            "classification.type": "vulnerable-system",
        },
        "required_fields": [["source.ip", "ip", "validate_ip"]],
        "optional_fields": [],
    }
}


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    settings.SIAGA_SHADOWSERVER_SCHEMA = str(path)
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    settings.SIAGA_FEED_RETENTION_DAYS = 30


def processed(feed: Feed, body: bytes, name: str, age_days: int) -> FeedReport:
    report, _created = actions.do_receive_report(
        feed, [b"ip\n" + body], name, source=ReportSource.CLI, start=False
    )
    FeedReport.objects.filter(pk=report.pk).update(
        received_at=timezone.now() - timedelta(days=age_days)
    )
    report.refresh_from_db()
    pipeline.process_report(report, actions.stored_path(report))
    return report


def test_old_reports_and_their_events_go_recent_ones_stay(db, django_capture_on_commit_callbacks):
    feed = Feed.objects.create(name="Shadowserver", parser=ParserKind.SHADOWSERVER)
    old = processed(feed, b"192.0.2.1\n192.0.2.2\nnot an address\n", "old-scan_example.csv", 31)
    recent = processed(feed, b"198.51.100.1\n", "new-scan_example.csv", 29)
    old_file = actions.stored_path(old)
    assert Event.objects.count() == 3 and QuarantinedRow.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        removed = do_apply_retention()

    assert removed.as_dict() == {"events": 2, "reports": 1}
    assert list(Event.objects.values_list("source_ip", flat=True)) == ["198.51.100.1"]
    assert list(FeedReport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ReportChunk.objects.filter(report_id=old.pk).exists()
    assert not QuarantinedRow.objects.exists()
    assert not old_file.exists() and actions.stored_path(recent).exists()
    entry = AuditEntry.objects.filter(object_type="feeds.retention").get()
    assert entry.changes["events"] == 2 and entry.changes["reports"] == 1


def test_nothing_to_remove_writes_no_audit_entry(db):
    assert do_apply_retention().as_dict() == {"events": 0, "reports": 0}
    assert not AuditEntry.objects.filter(object_type="feeds.retention").exists()
