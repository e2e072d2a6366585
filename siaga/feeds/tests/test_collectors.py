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


# --- The scheduled round over every kind of collector ------------------------------------------------


def test_one_failing_feed_does_not_stop_the_others_and_each_failure_is_recorded(db, server):
    from siaga.integrations.mailintake.tests.imap_server import ImapTestServer

    broken_http = http_feed(f"{server}/daily")
    broken_http.set_secret("wrong")
    broken_http.save()
    nobody_listens = Feed(
        name="Mailbox that is down",
        parser=ParserKind.SHADOWSERVER,
        collector=CollectorKind.IMAP,
        mail_host="127.0.0.1",
        mail_port=_closed_port(),
        mail_use_tls=False,
        username="intake",
    )
    nobody_listens.set_secret("password")
    nobody_listens.save()
    with ImapTestServer([]) as mailbox:
        working = Feed(
            name="Mailbox",
            parser=ParserKind.SHADOWSERVER,
            collector=CollectorKind.IMAP,
            mail_host="127.0.0.1",
            mail_port=mailbox.port,
            mail_use_tls=False,
            username="intake@siaga.example",
        )
        working.set_secret("mailbox-password")
        working.save()
        outcome = collectors.fetch_due_feeds()
    assert outcome[broken_http.name] == f"failed: {server}/daily answered 403"
    assert outcome[nobody_listens.name].startswith("failed: ")
    assert outcome[working.name] == "0 reports, 0 repeated"
    errors = dict(Feed.objects.values_list("name", "last_error"))
    assert "answered 403" in errors[broken_http.name]
    assert errors[nobody_listens.name] and errors[working.name] == ""
    assert not Feed.objects.filter(last_fetched_at=None).exists()


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_feed_another_round_took_meanwhile_is_left_to_it(db, server):
    feed = http_feed(f"{server}/daily")
    due = list(collectors.due_feeds())
    Feed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())  # the other round
    from siaga.feeds.collectors import schedule

    assert [schedule._claim(candidate) for candidate in due] == [False]
    assert collectors.fetch_due_feeds() == {}
    assert not FeedReport.objects.exists()


def test_the_beat_task_collects_and_takes_in_the_drop_folders(db, server):
    from siaga.feeds.tasks import collect_feeds

    feed = http_feed(f"{server}/daily")
    result = collect_feeds()
    assert list(result["fetched"]) == [feed.name]
    assert (result["dropped"], result["repeated"], result["rejected"]) == ([], 0, 0)


def test_a_mapped_parser_needs_a_valid_mapping(db, personas):
    pytest.importorskip("siaga.feeds.parsers.mapping", reason="the mapped parsers are not here yet")
    from siaga.feeds.actions import check_save_feed
    from siaga.feeds.parsers.mapping import mapping_errors

    assert mapping_errors({"nonsense": True})  # what the parser's author calls invalid
    with pytest.raises(ValidationError) as refused:
        check_save_feed(
            personas.cert_admin,
            {
                "name": "Partner list",
                "parser": ParserKind.MAPPED_CSV,
                "mapping": {"nonsense": True},
            },
        )
    assert "mapping" in refused.value.message_dict
    assert not Feed.objects.exists()


def test_the_feed_page_shows_every_field_once():
    from siaga.feeds.actions import FEED_FIELDS
    from siaga.feeds.forms import FEED_FIELD_GROUPS

    shown = [name for _legend, names in FEED_FIELD_GROUPS for name in names]
    assert sorted(shown) == sorted([*FEED_FIELDS, "secret"])


@pytest.mark.parametrize(
    ("mapping", "message"),
    [({"fields": {"x": "\x00"}}, "Remove the NUL characters."), ({"x": "y" * 70_000}, "too long")],
)
def test_a_mapping_is_stored_only_when_the_database_can_hold_it(db, personas, mapping, message):
    from siaga.feeds.actions import check_save_feed

    with pytest.raises(ValidationError, match=message):
        check_save_feed(
            personas.cert_admin, {"name": "X", "parser": ParserKind.FEODO_CSV, "mapping": mapping}
        )
