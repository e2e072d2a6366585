"""Feed events whose values are indicators of the intelligence store are flagged ``intel_matched``;
which indicators match is shown only to who may see them."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.testing import api_client_for, login
from siaga.events.tests.test_filters import make_event
from siaga.feeds import correlating, harmonized, pipeline
from siaga.feeds.correlating import (
    FLAG,
    IntelIndex,
    build_intel_index,
    current_intel_index,
    flag_intel_matches,
    forget_intel_index,
)
from siaga.intel.actions import check_add_sighting
from siaga.intel.models import Indicator
from siaga.intel.tests.conftest import make_indicator  # noqa: F401  (a fixture)
from siaga.sharing.choices import TLP, Distribution

INDEX = IntelIndex(
    [
        ("ip", "198.51.100.7"),
        ("cidr", "203.0.113.0/25"),
        ("cidr", "203.0.113.64/26"),  # overlaps the /25: merged
        ("ip", "2001:db8::7"),
        ("cidr", "2001:db8:1::/48"),
        ("domain", "evil.example"),
        ("url", "http://bad.example/payload.exe"),
        ("url", "https://xn--bcher-kva.example/x"),
    ]
)


def flagged(**columns: list[Any]) -> list[bool]:
    frame = harmonized.conform(pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)))
    return flag_intel_matches(frame, INDEX).get_column(FLAG).to_list()


# --- The index and the flag (no database) ---------------------------------------------------------


def test_ipv4_addresses_match_exact_indicators_and_networks():
    assert flagged(
        **{
            "source.ip": [
                "198.51.100.7",
                "198.51.100.8",
                "203.0.113.1",
                "203.0.113.127",
                "203.0.113.128",
                None,
            ]
        }
    ) == [True, False, True, True, False, False]


def test_destination_addresses_are_checked_too():
    assert flagged(
        **{"source.ip": ["192.0.2.1", "192.0.2.1"], "destination.ip": ["198.51.100.7", None]}
    ) == [True, False]


def test_ipv6_matches_exact_addresses_and_networks():
    assert flagged(
        **{
            "source.ip": [
                "2001:db8::7",
                "2001:db8::8",
                "2001:db8:1:ffff::1",
                "2001:db8:2::1",
                "::ffff:198.51.100.7",  # IPv4-mapped: the IPv4 indicator
            ]
        }
    ) == [True, False, True, False, True]


def test_a_domain_indicator_matches_that_host_only_not_its_subdomains():
    assert flagged(
        **{"source.fqdn": ["evil.example", "EVIL.example.", "www.evil.example", "notevil.example"]}
    ) == [True, True, False, False]


def test_urls_match_in_the_stores_canonical_form():
    assert flagged(
        **{
            "source.url": [
                "http://bad.example/payload.exe",
                "HTTP://BAD.example:80/payload.exe",  # scheme, host case and default port
                "hxxp://bad.example/payload.exe",  # defanged
                "http://bad.example/other.exe",
                "https://bücher.example/x",  # IDNA
                "not a url",
                None,
            ]
        }
    ) == [True, True, True, False, True, False, False]


def test_an_empty_index_flags_nothing():
    frame = harmonized.conform(pl.DataFrame({"source.ip": ["198.51.100.7"]}))
    assert flag_intel_matches(frame, IntelIndex([])).get_column(FLAG).to_list() == [False]


def test_overlapping_networks_are_merged_into_disjoint_intervals():
    assert INDEX.ipv4_starts.tolist() == [
        (198 << 24) + (51 << 16) + (100 << 8) + 7,
        (203 << 24) + (0 << 16) + (113 << 8),
    ]
    assert INDEX.ipv4_ends.tolist()[1] == (203 << 24) + (113 << 8) + 127


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=40), st.ip_addresses().map(str)),
        min_size=1,
        max_size=20,
    )
)
def test_any_text_in_the_columns_gives_a_flag_per_row_never_an_error(values):
    frame = harmonized.conform(
        pl.DataFrame(
            dict.fromkeys(("source.ip", "source.fqdn", "source.url"), values),
            schema=dict.fromkeys(("source.ip", "source.fqdn", "source.url"), pl.String),
        )
    )
    assert flag_intel_matches(frame, INDEX).get_column(FLAG).len() == len(values)


# --- Which indicators take part (database) ------------------------------------------------------------


@pytest.fixture(autouse=False)
def fresh_index():
    forget_intel_index()
    yield
    forget_intel_index()


def _flags_of(index: IntelIndex, **columns: list[Any]) -> list[bool]:
    frame = harmonized.conform(pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)))
    return flag_intel_matches(frame, index).get_column(FLAG).to_list()


def test_indicators_of_each_type_are_indexed(make_indicator):  # noqa: F811
    make_indicator("198.51.100.7", "ip")
    make_indicator("192.0.2.0/24", "cidr")
    make_indicator("2001:db8::7", "ip")
    make_indicator("Evil.Example", "domain")
    make_indicator("hxxp://bad[.]example/payload.exe", "url")
    make_indicator("0123456789abcdef0123456789abcdef", "md5")  # not a matched type
    index = build_intel_index()
    assert index.size == 5
    assert _flags_of(
        index,
        **{
            "source.ip": ["198.51.100.7", "192.0.2.99", "2001:db8::7", None, None, None],
            "source.fqdn": [None, None, None, "evil.example", None, None],
            "source.url": [None, None, None, None, "http://bad.example/payload.exe", None],
        },
    ) == [True, True, True, True, True, False]


def test_expired_and_out_of_alerting_indicators_are_ignored(personas, make_indicator):  # noqa: F811
    now = timezone.now()
    make_indicator("198.51.100.1", "ip", valid_until=now - timedelta(hours=1))
    make_indicator("198.51.100.2", "ip", valid_until=now + timedelta(days=1))
    false_positive = make_indicator("198.51.100.3", "ip")
    check_add_sighting(
        personas.cert_analyst,
        false_positive,
        {"is_false_positive": True, "disable_alerting": True},
    )
    warninglisted = make_indicator("198.51.100.4", "ip")
    # What the intel actions do to a value found on a warninglist.
    Indicator.objects.filter(pk=warninglisted.pk).update(
        alerting=False, warninglists=["Public DNS"]
    )
    index = build_intel_index()
    assert index.size == 1
    assert index.expires_at == Indicator.objects.get(value="198.51.100.2").valid_until
    assert _flags_of(
        index, **{"source.ip": ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]}
    ) == [False, True, False, False]


def test_the_current_index_follows_changes_to_the_indicators(make_indicator, fresh_index):  # noqa: F811
    assert current_intel_index().size == 0
    indicator = make_indicator("198.51.100.7", "ip")
    assert current_intel_index().size == 1
    first = current_intel_index()
    assert current_intel_index() is first  # unchanged: kept
    # A bulk update leaves ``updated_at`` alone; the count of alerting indicators changes.
    Indicator.objects.filter(pk=indicator.pk).update(alerting=False)
    assert current_intel_index().size == 0


def test_an_index_past_an_indicators_end_is_rebuilt(make_indicator, fresh_index):  # noqa: F811
    make_indicator("198.51.100.7", "ip", valid_until=timezone.now() + timedelta(days=1))
    first = current_intel_index()
    assert first.size == 1
    assert not first.is_stale(timezone.now())
    assert first.is_stale(timezone.now() + timedelta(days=2))


def test_an_old_index_is_rebuilt_even_if_nothing_seems_changed(make_indicator, fresh_index):  # noqa: F811
    make_indicator("198.51.100.7", "ip")
    first = current_intel_index()
    clock = correlating._SNAPSHOT.clock
    try:
        correlating._SNAPSHOT.clock = lambda: clock() + correlating.MAX_AGE_SECONDS + 1
        assert current_intel_index() is not first
    finally:
        correlating._SNAPSHOT.clock = clock


# --- Who sees which indicators ---------------------------------------------------------------------


@pytest.fixture
def matched_event(personas, make_indicator):  # noqa: F811
    """A hospital's event matching three indicators: one shared with every constituent, one the
    CERT keeps to itself, one the hospital's own (TLP:AMBER, its organization)."""
    shared = make_indicator(
        "192.0.2.10", "ip", tlp=TLP.GREEN, distribution=Distribution.CONSTITUENTS
    )
    cert_only = make_indicator(
        "192.0.2.0/24", "cidr", tlp=TLP.AMBER, distribution=Distribution.ORGANIZATION
    )
    own = make_indicator(
        "rdp.rs-sehat.example",
        "domain",
        organization=personas.orgs.hospital,
        created_by=personas.constituent_admin,
    )
    expired = make_indicator(
        "192.0.2.10/32",
        "cidr",
        tlp=TLP.CLEAR,
        distribution=Distribution.PUBLIC,
        valid_until=timezone.now() - timedelta(days=1),
    )
    event = make_event(
        personas.orgs.hospital,
        source_ip="192.0.2.10",
        source_fqdn="rdp.rs-sehat.example",
        intel_matched=True,
    )
    return {"event": event, "shared": shared, "cert": cert_only, "own": own, "expired": expired}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("cert_analyst", {"shared", "cert"}),  # the hospital's own TLP:AMBER stays with it
        ("constituent_reporter", {"shared", "own"}),
    ],
)
def test_the_event_page_lists_only_the_indicators_the_viewer_may_see(
    client, personas, matched_event, persona, sees
):
    login(client, personas.by_name(persona))
    response = client.get(reverse("events:detail", args=[matched_event["event"].pk]))
    assert response.status_code == 200
    assert {i.pk for i in response.context["indicators"]} == {matched_event[n].pk for n in sees}
    page = response.content.decode()
    assert "Matches an indicator" in page
    for name in sees:
        assert reverse("intel:indicator-detail", args=[matched_event[name].pk]) in page
    for name in {"shared", "cert", "own", "expired"} - sees:
        assert reverse("intel:indicator-detail", args=[matched_event[name].pk]) not in page


def test_the_event_api_lists_only_the_indicators_the_viewer_may_see(personas, matched_event):
    api = api_client_for(personas.constituent_reporter)
    response = api.get(f"/api/v1/events/{matched_event['event'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["intel_matched"] is True
    assert {i["id"] for i in body["indicators"]} == {
        matched_event["shared"].pk,
        matched_event["own"].pk,
    }
    shared = next(i for i in body["indicators"] if i["id"] == matched_event["shared"].pk)
    assert shared["url"] == reverse("intel:indicator-detail", args=[matched_event["shared"].pk])
    assert shared["value"] == "192.0.2.10"


def test_a_flagged_event_with_no_visible_indicator_says_so(client, personas, make_indicator):  # noqa: F811
    make_indicator("192.0.2.10", "ip", tlp=TLP.AMBER, distribution=Distribution.ORGANIZATION)
    event = make_event(personas.orgs.hospital, source_ip="192.0.2.10", intel_matched=True)
    login(client, personas.constituent_reporter)
    response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.context["indicators"] == []
    assert "none that is active now is shared with you" in response.content.decode()


def test_the_list_and_the_api_filter_on_the_flag(client, personas):
    matched = make_event(personas.orgs.hospital, source_ip="192.0.2.10", intel_matched=True)
    other = make_event(personas.orgs.hospital, source_ip="192.0.2.11")
    login(client, personas.cert_analyst)
    response = client.get(reverse("events:list"), {"intel_matched": "true"})
    assert [e.pk for e in response.context["events"]] == [matched.pk]
    response = client.get(reverse("events:list"), {"intel_matched": ""})
    assert {e.pk for e in response.context["events"]} == {matched.pk, other.pk}
    api = api_client_for(personas.cert_analyst)
    assert [e["id"] for e in api.get("/api/v1/events?intel_matched=true").json()["results"]] == [
        matched.pk
    ]
    assert [e["id"] for e in api.get("/api/v1/events?intel_matched=false").json()["results"]] == [
        other.pk
    ]


# --- Through the pipeline, once ``prepare`` calls ``flag_intel_matches`` -----------------------------

WIRED = "flag_intel_matches" in inspect.getsource(pipeline)


@pytest.mark.skipif(not WIRED, reason="pipeline.prepare does not call flag_intel_matches yet")
def test_prepare_flags_the_events_whose_values_are_indicators(make_indicator, fresh_index):  # noqa: F811
    make_indicator("198.51.100.0/24", "cidr")
    frame = harmonized.conform(
        pl.DataFrame(
            {
                "feed.name": ["Test", "Test"],
                "classification.taxonomy": ["vulnerable", "vulnerable"],
                "classification.type": ["vulnerable-system", "vulnerable-system"],
                "source.ip": ["198.51.100.7", "192.0.2.7"],
                "time.observation": [timezone.now(), timezone.now()],
            }
        )
    )
    from siaga.constituents.lookup import current_index

    prepared = pipeline.prepare(
        frame, current_index(), frozenset(), None, intel=current_intel_index()
    )
    assert prepared.get_column(FLAG).to_list() == [True, False]
