"""Collectors: an HTTP(S) fetch from a local server (127.0.0.1 only) and the drop folder."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core.exceptions import ValidationError
from django.utils import timezone

from siaga.feeds import collectors
from siaga.feeds.actions import JOB_KIND, stored_path
from siaga.feeds.choices import CollectorKind, ParserKind, ReportSource
from siaga.feeds.models import Feed, FeedReport
from siaga.jobs.models import Job

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
REPORT = b"ip\n192.0.2.1\n192.0.2.2\n"
SECRET = "s3cr3t-key"


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    settings.SIAGA_SHADOWSERVER_SCHEMA = str(schema)
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    settings.SIAGA_FEED_DROP_DIR = tmp_path / "drop"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/daily")
            self.end_headers()
            return
        if self.path != "/daily" or self.headers.get("Auth-Key") != SECRET:
            self.send_response(403)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header(
            "Content-Disposition", 'attachment; filename="2026-11-29-scan_example.csv"'
        )
        self.send_header("Content-Length", str(len(REPORT)))
        self.end_headers()
        self.wfile.write(REPORT)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def http_feed(url: str, **extra) -> Feed:
    feed = Feed(
        name="Shadowserver API",
        parser=ParserKind.SHADOWSERVER,
        collector=CollectorKind.HTTP,
        url=url,
        auth_header="Auth-Key",
        **extra,
    )
    feed.set_secret(SECRET)
    feed.save()
    return feed


def test_a_fetched_report_is_received_with_the_servers_file_name(db, server):
    feed = http_feed(f"{server}/daily")
    report = collectors.fetch_feed(feed)
    assert report.file_name == "2026-11-29-scan_example.csv"
    assert report.source == ReportSource.HTTP
    assert stored_path(report).read_bytes() == REPORT
    assert Job.objects.filter(kind=JOB_KIND).count() == 1
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None and feed.last_error == ""
    assert SECRET not in feed.secret  # sealed at rest


def test_a_refused_fetch_is_recorded_on_the_feed(db, server):
    feed = http_feed(f"{server}/daily")
    feed.set_secret("wrong")
    feed.save()
    with pytest.raises(requests.HTTPError):
        collectors.fetch_feed(feed)
    feed.refresh_from_db()
    assert "answered 403" in feed.last_error
    assert not FeedReport.objects.exists()


def test_redirects_are_not_followed(db, server):
    feed = http_feed(f"{server}/moved")
    with pytest.raises(requests.HTTPError, match="answered 302"):
        collectors.fetch_feed(feed)


def test_plain_http_only_to_allowed_hosts(db):
    feed = http_feed("http://feeds.example.org/daily.csv")
    with pytest.raises(ValidationError):
        collectors.fetch_feed(feed)
    feed.refresh_from_db()
    assert "https://" in feed.last_error


def test_only_active_http_feeds_that_are_due_are_fetched(db, server):
    due = http_feed(f"{server}/daily")
    Feed.objects.create(
        name="Fetched a minute ago",
        parser=ParserKind.SHADOWSERVER,
        collector=CollectorKind.HTTP,
        url=f"{server}/daily",
        last_fetched_at=timezone.now() - timedelta(minutes=1),
    )
    Feed.objects.create(
        name="Switched off",
        parser=ParserKind.SHADOWSERVER,
        collector=CollectorKind.HTTP,
        url=f"{server}/daily",
        is_active=False,
    )
    outcome = collectors.fetch_due_feeds()
    assert list(outcome) == [due.name]
    assert outcome[due.name].startswith("report ")


def drop(feed: Feed, name: str, content: bytes, *, age: float = 60) -> None:
    folder = collectors.drop_folder(feed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    old = time.time() - age
    os.utime(path, (old, old))


def test_the_drop_folder_receives_settled_files_and_sets_the_rest_aside(db):
    feed = Feed.objects.create(
        name="Partner drop", parser=ParserKind.SHADOWSERVER, collector=CollectorKind.FOLDER
    )
    drop(feed, "2026-11-29-scan_example.csv", REPORT)
    drop(feed, "readme.txt", b"not a report\n")
    drop(feed, "2026-11-30-scan_example.csv", REPORT + b"192.0.2.3\n", age=0)  # still arriving
    collected = collectors.collect_drop_folders(settle_seconds=5)
    folder = collectors.drop_folder(feed)
    assert [r.file_name for r in collected.received] == ["2026-11-29-scan_example.csv"]
    assert collected.failed == 1
    assert (folder / "done" / "2026-11-29-scan_example.csv").exists()
    reason = (folder / "rejected" / "readme.txt.reason").read_text()
    assert "not a Shadowserver report type" in reason
    assert (folder / "2026-11-30-scan_example.csv").exists()


def test_the_same_file_dropped_again_is_one_report(db):
    feed = Feed.objects.create(
        name="Partner drop", parser=ParserKind.SHADOWSERVER, collector=CollectorKind.FOLDER
    )
    drop(feed, "2026-11-29-scan_example.csv", REPORT)
    collectors.collect_drop_folders(settle_seconds=5)
    drop(feed, "2026-11-29-scan_example.csv", REPORT)
    again = collectors.collect_drop_folders(settle_seconds=5)
    assert (again.received, again.repeated) == ([], 1)
    assert FeedReport.objects.count() == 1
    assert len(list((collectors.drop_folder(feed) / "done").iterdir())) == 2


def test_the_secret_is_set_through_the_api_and_never_shown(db, personas, server):
    from siaga.core.testing import api_client_for

    admin = api_client_for(personas.cert_admin)
    body = {
        "name": "Shadowserver API",
        "parser": "shadowserver",
        "collector": "http",
        "url": f"{server}/daily",
        "auth_header": "Auth-Key",
        "secret": SECRET,
    }
    created = admin.post("/api/v1/feeds", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["has_secret"] is True
    assert SECRET not in created.content.decode()
    feed = Feed.objects.get(pk=created.json()["id"])
    assert collectors.fetch_feed(feed).file_name == "2026-11-29-scan_example.csv"
    cleared = admin.patch(
        f"/api/v1/feeds/{feed.pk}", {"secret": ""}, content_type="application/json"
    )
    assert cleared.json()["has_secret"] is False
