"""The TAXII collector against a real TAXII 2.1 server (OASIS medallion, pages of two objects):
bundles received as reports, the cursor, failures half-way, authentication, configuration."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.core.exceptions import ValidationError

from siaga.core.testing import api_client_for
from siaga.feeds import actions, collectors
from siaga.feeds.choices import CollectorKind, ParserKind, ReportSource
from siaga.feeds.collectors import taxii
from siaga.feeds.models import Feed, FeedReport
from siaga.integrations.taxiiclient.tests.partner import (  # noqa: F401  (partner: a fixture)
    COLLECTION_ID,
    PASSWORD,
    USER,
    PartnerServer,
    partner,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def report_store(settings: Any, tmp_path: Any) -> None:
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]


def indicator(n: int) -> dict[str, Any]:
    stamp = f"2026-11-{n % 28 + 1:02d}T08:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=n, version=4)}",
        "created": stamp,
        "modified": stamp,
        "name": f"C2 server {n}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n}']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }


@pytest.fixture
def server(partner: PartnerServer) -> PartnerServer:  # noqa: F811  (the imported fixture)
    return partner


def add_one_by_one(server: PartnerServer, numbers: range) -> None:
    """Each object its own add, so each has its own date added."""
    for n in numbers:
        server.add([indicator(n)])


def collection_url(server: PartnerServer) -> str:
    return f"{server.api_root_url}collections/{COLLECTION_ID}/"


def taxii_feed(server: PartnerServer, **extra: Any) -> Feed:
    secret = extra.pop("secret", PASSWORD)
    feed = Feed(
        name="Partner CERT indicators",
        parser=ParserKind.STIX,
        collector=CollectorKind.TAXII,
        url=collection_url(server),
        username=extra.pop("username", USER),
        **extra,
    )
    feed.set_secret(secret)
    feed.save()
    return feed


def bundle_of(report: FeedReport) -> dict[str, Any]:
    bundle = json.loads(actions.stored_path(report).read_bytes())
    assert bundle["type"] == "bundle" and bundle["id"].startswith("bundle--")
    return bundle


def names_in(reports: list[FeedReport]) -> list[str]:
    return [obj["name"] for report in reports for obj in bundle_of(report)["objects"]]


# --- Collecting -------------------------------------------------------------------------------------


def test_every_page_lands_in_one_bundle_and_the_next_run_takes_only_what_is_new(server):
    add_one_by_one(server, range(1, 6))
    feed = taxii_feed(server)

    first = collectors.collect_taxii_feed(feed)
    assert len(first.received) == 1  # five objects over three pages, one report
    report = first.received[0]
    assert report.source == ReportSource.TAXII
    assert report.file_name.startswith(f"taxii-{COLLECTION_ID}-2") and report.file_name.endswith(
        "Z.json"
    )
    assert sorted(names_in(first.received)) == [f"C2 server {n}" for n in range(1, 6)]
    feed.refresh_from_db()
    assert feed.cursor and feed.last_error == "" and feed.last_fetched_at is not None
    first_cursor = feed.cursor

    nothing = collectors.collect_taxii_feed(feed)
    assert (nothing.received, nothing.repeated) == ([], 0)
    assert FeedReport.objects.count() == 1

    add_one_by_one(server, range(6, 8))
    newer = collectors.collect_taxii_feed(feed)
    assert sorted(names_in(newer.received)) == ["C2 server 6", "C2 server 7"]
    assert Feed.objects.get(pk=feed.pk).cursor > first_cursor


def test_the_cursor_is_the_servers_date_added_last(server):
    add_one_by_one(server, range(1, 4))
    feed = taxii_feed(server)
    collectors.collect_taxii_feed(feed)
    feed.refresh_from_db()
    latest = max(
        entry["date_added"]
        for entry in server.backend.data["partner"]["collections"][0]["manifest"]
    )
    assert feed.cursor == latest


def test_large_fetches_are_split_into_bounded_bundles(server, monkeypatch):
    monkeypatch.setattr(taxii, "OBJECTS_PER_REPORT", 2)
    add_one_by_one(server, range(1, 6))
    collected = collectors.collect_taxii_feed(taxii_feed(server))
    assert [len(bundle_of(r)["objects"]) for r in collected.received] == [2, 2, 1]
    assert len({bundle_of(r)["id"] for r in collected.received}) == 3


def test_objects_added_at_the_same_moment_are_not_lost_after_a_failure(server, monkeypatch):
    # added_after is strict: a cursor moved to the first bundle's date would skip the other three.
    monkeypatch.setattr(taxii, "OBJECTS_PER_REPORT", 2)
    server.add([indicator(n) for n in range(1, 6)])  # one add: one date added for all five
    feed = taxii_feed(server)
    monkeypatch.setattr(taxii, "do_receive_report", failing_on_the_second())
    with pytest.raises(OSError, match="No space left"):
        collectors.collect_taxii_feed(feed)
    monkeypatch.setattr(taxii, "do_receive_report", actions.do_receive_report)
    collectors.collect_taxii_feed(feed)
    reports = list(FeedReport.objects.all())
    assert sorted(names_in(reports)) == [f"C2 server {n}" for n in range(1, 6)]
    again = collectors.collect_taxii_feed(feed)
    assert (again.received, again.repeated) == ([], 0)


def failing_on_the_second() -> Any:
    real = taxii.do_receive_report
    calls = []

    def disk_full_on_the_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real(*args, **kwargs)

    return disk_full_on_the_second


def test_a_run_that_fails_half_way_is_done_again_without_storing_twice(server, monkeypatch):
    monkeypatch.setattr(taxii, "OBJECTS_PER_REPORT", 2)
    add_one_by_one(server, range(1, 6))
    feed = taxii_feed(server)
    monkeypatch.setattr(taxii, "do_receive_report", failing_on_the_second())
    with pytest.raises(OSError, match="No space left"):
        collectors.collect_taxii_feed(feed)
    feed.refresh_from_db()
    assert feed.cursor == "" and "No space left" in feed.last_error
    assert FeedReport.objects.count() == 1

    monkeypatch.setattr(taxii, "do_receive_report", actions.do_receive_report)
    again = collectors.collect_taxii_feed(feed)
    assert (len(again.received), again.repeated) == (2, 1)  # the first bundle is the same file
    reports = list(FeedReport.objects.order_by("pk"))
    assert sorted(names_in(reports)) == [f"C2 server {n}" for n in range(1, 6)]
    feed.refresh_from_db()
    assert feed.cursor and feed.last_error == ""


def test_the_secret_in_a_header_instead_of_basic(server):
    add_one_by_one(server, range(1, 3))
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    feed = taxii_feed(server, username="", auth_header="Authorization", secret=f"Basic {basic}")
    assert len(collectors.collect_taxii_feed(feed).received) == 1


def test_a_refused_login_is_recorded_and_moves_nothing(server):
    add_one_by_one(server, range(1, 3))
    feed = taxii_feed(server, secret="wrong")
    with pytest.raises(requests.HTTPError):
        collectors.collect_taxii_feed(feed)
    feed.refresh_from_db()
    assert "401" in feed.last_error and feed.cursor == ""
    assert "wrong" not in feed.last_error
    assert not FeedReport.objects.exists()


def test_plain_http_only_to_allowed_hosts(server, settings):
    settings.SIAGA_WEBHOOK_HTTP_HOSTS = []
    feed = taxii_feed(server)
    with pytest.raises(ValidationError):
        collectors.collect_taxii_feed(feed)
    assert "https://" in Feed.objects.get(pk=feed.pk).last_error


class _Redirects(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:9/elsewhere/")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_redirects_are_not_followed(redirecting):
    feed = Feed.objects.create(
        name="Moved",
        parser=ParserKind.STIX,
        collector=CollectorKind.TAXII,
        url=f"{redirecting}/api/collections/{COLLECTION_ID}/",
    )
    with pytest.raises(requests.TooManyRedirects):
        collectors.collect_taxii_feed(feed)


class _EndlessCollection:
    """A server that says there is more but gives no next page."""

    def __init__(self) -> None:
        self.calls = 0

    def get_objects(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        return {"more": True, "objects": [indicator(self.calls)]}


def test_more_without_next_is_an_error_not_an_endless_loop(server):
    session = taxii.CollectionSession(taxii_feed(server))
    session.collection = _EndlessCollection()  # type: ignore[assignment]
    with pytest.raises(taxii.TaxiiError, match="no next page"):
        list(session.pages(""))
    assert session.collection.calls == 1


def test_the_scheduled_round_collects_taxii_feeds(server):
    add_one_by_one(server, range(1, 3))
    feed = taxii_feed(server)
    outcome = collectors.fetch_due_feeds()
    assert outcome == {feed.name: "1 reports, 0 repeated"}
    assert collectors.fetch_due_feeds() == {}  # not due again yet


# --- Configuring ------------------------------------------------------------------------------------


def taxii_body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "Partner CERT",
        "parser": "stix",
        "collector": "taxii",
        "url": f"https://taxii.server.example/api1/collections/{COLLECTION_ID}/",
        "username": USER,
        "secret": PASSWORD,
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://taxii.server.example/api1/collections/x/",
        "https://taxii.server.example/api1/",
        "https://user:pw@taxii.server.example/api1/collections/x/",
    ],
)
def test_a_taxii_feed_needs_the_https_address_of_a_collection(personas, url):
    admin = api_client_for(personas.cert_admin)
    response = admin.post("/api/v1/feeds", taxii_body(url=url), content_type="application/json")
    assert response.status_code == 422
    assert "url" in [error["field"] for error in response.json()["errors"]]
    assert not Feed.objects.exists()


def test_a_taxii_feed_is_created_without_showing_its_secret(personas):
    admin = api_client_for(personas.cert_admin)
    response = admin.post("/api/v1/feeds", taxii_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["collector"], body["username"], body["cursor"], body["has_secret"]) == (
        "taxii",
        USER,
        "",
        True,
    )
    assert PASSWORD not in response.content.decode()


def test_another_collection_starts_from_the_beginning(personas):
    lead = personas.cert_lead
    feed = actions.check_save_feed(lead, taxii_body())
    Feed.objects.filter(pk=feed.pk).update(cursor="2026-11-30T08:00:00.000000Z")
    feed.refresh_from_db()
    actions.check_save_feed(lead, {"description": "Indicators of the server."}, feed)
    assert Feed.objects.get(pk=feed.pk).cursor == "2026-11-30T08:00:00.000000Z"
    other = taxii_body()["url"].replace(COLLECTION_ID, "another-collection")
    actions.check_save_feed(lead, {"url": other}, feed)
    assert Feed.objects.get(pk=feed.pk).cursor == ""
