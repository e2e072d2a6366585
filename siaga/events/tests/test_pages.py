"""The event pages: who sees which events, the filters, keyset paging, and one event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from siaga.core.testing import login
from siaga.events.choices import Severity
from siaga.events.tests.test_filters import BASE_TIME, make_event
from siaga.events.views import PAGE_SIZE, Cursor

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


@pytest.fixture
def events(personas: Any) -> dict[str, Any]:
    orgs = personas.orgs
    return {
        "hospital": make_event(
            orgs.hospital,
            source_ip="192.0.2.10",
            source_port=3389,
            source_fqdn="rdp.rs-sehat.example",
            severity=Severity.HIGH,
            count=4,
        ),
        "other": make_event(
            orgs.other_hospital, source_ip="198.51.100.20", classification_type="infected-system"
        ),
        "unattributed": make_event(source_ip="203.0.113.30"),
    }


def _listed(response: Any) -> set[int]:
    return {event.pk for event in response.context["events"]}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("cert_analyst", {"hospital", "other", "unattributed"}),
        ("auditor", {"hospital", "other", "unattributed"}),
        ("constituent_reporter", {"hospital"}),
        ("constituent_admin", {"hospital"}),
        ("other_reporter", {"other"}),
        ("coord_member", set()),
    ],
)
def test_each_persona_sees_its_own_events(client, personas, events, persona, sees):
    login(client, personas.by_name(persona))
    response = client.get(LIST)
    assert response.status_code == 200
    assert _listed(response) == {events[name].pk for name in sees}
    for name, event in events.items():
        detail = client.get(reverse("events:detail", args=[event.pk]))
        assert detail.status_code == (200 if name in sees else 404), (persona, name)


def test_an_outsider_is_refused(client, personas, events):
    login(client, personas.outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("events:detail", args=[events["hospital"].pk])).status_code == 404


def test_the_table_shows_what_an_analyst_needs(client, personas, events):
    login(client, personas.cert_analyst)
    page = client.get(LIST).content.decode()
    assert "192.0.2.10:3389" in page
    assert "rdp.rs-sehat.example" in page
    assert "Test Hospital" in page and "Unattributed" in page
    assert '<span class="badge badge-danger">High</span>' in page
    assert reverse("events:detail", args=[events["hospital"].pk]) in page
    assert reverse("events:export") in page  # the analyst may export
    assert 'name="constituent"' in page


def test_a_constituent_gets_no_constituent_column_filter_or_export(client, personas, events):
    login(client, personas.constituent_reporter)
    page = client.get(LIST).content.decode()
    assert 'name="constituent"' not in page
    assert "Test Hospital" not in page  # its own name in every row says nothing
    assert reverse("events:export") not in page


def test_an_ipv6_source_is_bracketed_before_its_port(client, personas):
    make_event(personas.orgs.hospital, source_ip="2001:db8::5", source_port=443)
    login(client, personas.constituent_reporter)
    assert "[2001:db8::5]:443" in client.get(LIST).content.decode()


def test_filters_narrow_the_list(client, personas, events):
    login(client, personas.cert_analyst)
    assert _listed(client.get(LIST, {"q": "192.0.2.10"})) == {events["hospital"].pk}
    assert _listed(client.get(LIST, {"q": "198.51.100.0/24"})) == {events["other"].pk}
    assert _listed(client.get(LIST, {"q": "rs-sehat"})) == {events["hospital"].pk}
    assert _listed(client.get(LIST, {"constituent": personas.orgs.other_hospital.pk})) == {
        events["other"].pk
    }
    assert _listed(client.get(LIST, {"classification_type": "infected-system"})) == {
        events["other"].pk
    }
    assert _listed(client.get(LIST, {"severity": "3"})) == {events["hospital"].pk}
    day = BASE_TIME.date().isoformat()
    assert len(_listed(client.get(LIST, {"time_from": day, "time_to": day}))) == 3


def test_a_reporter_cannot_widen_its_view_with_the_constituent_filter(client, personas, events):
    login(client, personas.constituent_reporter)
    response = client.get(LIST, {"constituent": personas.orgs.other_hospital.pk})
    assert _listed(response) == {events["hospital"].pk}  # the field is not there: ignored


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"q": "10.0.0.999"}, "q", "not a valid IP address"),
        ({"q": "10.0.0.0/40"}, "q", "not a valid network"),
        ({"severity": "7"}, "severity", "Select a valid choice"),
        ({"time_from": "yesterday"}, "time_from", "Enter a valid date"),
        ({"time_from": "2025-03-02", "time_to": "2025-03-01"}, "time_to", "before the start"),
        ({"constituent": "999999999"}, "constituent", "Select a valid choice"),
        ({"q": "x\x00y"}, "q", "Null characters are not allowed"),
    ],
)
def test_invalid_filters_show_field_errors(client, personas, events, query, field, message):
    login(client, personas.cert_analyst)
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert message in " ".join(response.context["filters"].errors[field])
    assert response.context["events"] == []
    assert "has-error" in response.content.decode()


def test_a_wide_network_is_refused_on_sqlite_only(client, personas, events):
    login(client, personas.cert_analyst)
    response = client.get(LIST, {"q": "192.0.0.0/8"})
    if connection.vendor == "postgresql":
        assert _listed(response) == {events["hospital"].pk}
    else:
        assert "too wide" in response.context["filters"].errors["q"][0]


def _make_many(personas: Any, number: int) -> list[int]:
    """Events one minute apart (some at the same moment, so the id breaks ties), newest first."""
    made = [
        make_event(personas.orgs.hospital, time_observation=BASE_TIME + timedelta(minutes=n // 2))
        for n in range(number)
    ]
    return [e.pk for e in sorted(made, key=lambda e: (e.time_observation, e.pk), reverse=True)]


def _follow(client: Any, url: str) -> Any:
    return client.get(LIST + url if url.startswith("?") else url)


def test_pages_go_forward_and_back_without_counting(client, personas):
    order = _make_many(personas, 2 * PAGE_SIZE + 7)
    login(client, personas.constituent_admin)
    first = client.get(LIST, {"severity": "1"})
    assert [e.pk for e in first.context["events"]] == order[:PAGE_SIZE]
    assert first.context["previous_url"] is None and first.context["first_url"] is None
    assert "severity=1" in first.context["next_url"]  # the filters stay

    second = _follow(client, first.context["next_url"])
    assert [e.pk for e in second.context["events"]] == order[PAGE_SIZE : 2 * PAGE_SIZE]
    third = _follow(client, second.context["next_url"])
    assert [e.pk for e in third.context["events"]] == order[2 * PAGE_SIZE :]
    assert third.context["next_url"] is None
    assert 'rel="next"' not in third.content.decode()

    back = _follow(client, third.context["previous_url"])
    assert [e.pk for e in back.context["events"]] == order[PAGE_SIZE : 2 * PAGE_SIZE]
    top = _follow(client, back.context["previous_url"])
    assert [e.pk for e in top.context["events"]] == order[:PAGE_SIZE]
    assert top.context["previous_url"] is None
    assert top.context["next_url"] is not None


@pytest.mark.parametrize(
    "cursor", ["garbage", "12_", "_5", "1_0", "99999999999999999999_1", "1_1_1"]
)
def test_a_malformed_cursor_shows_the_first_page(client, personas, cursor):
    order = _make_many(personas, 3)
    login(client, personas.cert_analyst)
    for name in ("after", "before"):
        response = client.get(LIST, {name: cursor})
        assert response.status_code == 200
        assert [e.pk for e in response.context["events"]] == order


def test_the_cursor_round_trips():
    cursor = Cursor(42)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("0") is None and Cursor.parse("x1") is None


def test_the_list_reads_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    login(client, personas.cert_analyst)
    _make_many(personas, 3)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    _make_many(personas, 40)
    make_event(personas.orgs.other_hospital)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["events"]) == 44


def feed_report() -> Any:
    from siaga.feeds.models import Feed, FeedReport

    feed = Feed.objects.create(name="Shadowserver", parser="shadowserver")
    return FeedReport.objects.create(
        feed=feed, file_name="2026-11-29-scan_rdp-id.csv", sha256="0" * 64, size=10, source="cli"
    )


def test_the_detail_shows_fields_in_intelmq_names(client, personas):
    report = feed_report()
    event = make_event(
        personas.orgs.hospital,
        source_ip="192.0.2.10",
        source_port=3389,
        source_geolocation_cc="ID",
        time_source=BASE_TIME - timedelta(hours=1),
        extra={"tag": "rdp", "naics": 622110, "ssl": {"version": "TLSv1.0"}},
        count=3,
        report_id=report.pk,
        report_row=12,
    )
    login(client, personas.cert_analyst)
    response = client.get(reverse("events:detail", args=[event.pk]))
    fields = {name: value for name, value, _block in response.context["fields"]}
    assert fields["source.ip"] == "192.0.2.10"
    assert fields["source.port"] == "3389"
    assert fields["source.geolocation.cc"] == "ID"
    assert fields["time.source"] == "2025-03-01T07:00:00+00:00"
    assert "destination.ip" not in fields  # empty fields are left out
    extra = {key: value for key, value, _block in response.context["extra"]}
    assert extra["tag"] == "rdp" and extra["naics"] == "622110"
    assert '"version": "TLSv1.0"' in extra["ssl"]
    page = response.content.decode()
    assert "Test Hospital" in page and "classification.type" in page
    assert response.context["first_seen"] == BASE_TIME - timedelta(hours=1)
    assert response.context["report_url"] == reverse("feeds:report-detail", args=[report.pk])
    assert response.context["report_url"] in page


def test_no_link_to_a_report_that_retention_removed(client, personas):
    report = feed_report()
    event = make_event(personas.orgs.hospital, report_id=report.pk, report_row=3)
    removed = report.pk
    report.delete()  # the event stays: no constraint, nothing updated (retention's order)
    event.refresh_from_db()
    assert event.report_id == removed
    login(client, personas.cert_analyst)
    response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 200
    assert response.context["report_url"] is None


def test_the_report_link_is_for_those_who_see_feed_reports(client, personas):
    event = make_event(personas.orgs.hospital, report_id=feed_report().pk)
    login(client, personas.constituent_admin)
    response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 200
    assert response.context["report_url"] is None
    assert reverse("feeds:report-detail", args=[event.report_id]) not in response.content.decode()


def test_the_detail_says_when_an_event_is_on_a_warninglist(client, personas):
    listed = make_event(personas.orgs.hospital, source_ip="192.0.2.53", warninglisted=True)
    plain = make_event(personas.orgs.hospital, source_ip="192.0.2.54")
    login(client, personas.cert_analyst)
    assert (
        "left out of digests"
        in client.get(reverse("events:detail", args=[listed.pk])).content.decode()
    )
    assert (
        "left out of digests"
        not in client.get(reverse("events:detail", args=[plain.pk])).content.decode()
    )
