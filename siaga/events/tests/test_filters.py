"""The event filters: reading the search box, the ``inside`` lookup, and ``filter_events``.

``make_event`` (below) is the app's helper for building stored events in tests; the other test
modules of the app import it from here.
"""

from __future__ import annotations

import ipaddress
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.events import lookups
from siaga.events.choices import Severity
from siaga.events.filters import EventFilterForm, Search, filter_events, parse_search
from siaga.events.models import Event
from siaga.organizations.models import Organization

_keys = itertools.count(1)
BASE_TIME = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def make_event(constituent: Organization | None = None, **fields: Any) -> Event:
    """A stored event with the fields every event has (feed, classification, time, dedupe key)."""
    values: dict[str, Any] = {
        "feed_name": "Shadowserver Open RDP",
        "feed_provider": "Shadowserver",
        "classification_taxonomy": "vulnerable",
        "classification_type": "vulnerable-system",
        "time_observation": BASE_TIME,
        "last_seen": BASE_TIME,
        "dedupe_key": next(_keys),
        "constituent": constituent,
    }
    values.update(fields)
    return Event.objects.create(**values)


# --- Reading the search box (no database) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("   ", None),
        ("192.0.2.7", Search("ip", "192.0.2.7")),
        (" 2001:DB8::7 ", Search("ip", "2001:db8::7")),
        ("192.0.2.0/24", Search("network", "192.0.2.0/24")),
        ("192.0.2.77/24", Search("network", "192.0.2.0/24")),  # host bits cleared
        ("2001:db8::/120", Search("network", "2001:db8::/120")),
        ("hospital.example", Search("text", "hospital.example")),
        ("https://portal.example/login", Search("text", "https://portal.example/login")),
        ("10.0.0", Search("text", "10.0.0")),  # not an address: part of a name
    ],
)
def test_the_search_box_reads_addresses_networks_and_text(text, expected):
    assert parse_search(text, vendor="postgresql") == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("10.0.0.300", "ip"),
        ("2001:db8:::7", "ip"),
        ("dead:beef", "ip"),
        ("10.0.0.0/33", "network"),
        ("10.0.0.0/x", "network"),
        ("2001:db8::/129", "network"),
        ("10.0.0.0/8/8", "network"),
    ],
)
def test_malformed_addresses_and_networks_are_errors_not_text(text, code):
    with pytest.raises(ValidationError) as raised:
        parse_search(text, vendor="postgresql")
    assert raised.value.code == code
    assert text in raised.value.messages[0]


def test_sqlite_takes_networks_up_to_a_slash_16():
    assert parse_search("10.1.0.0/16", vendor="sqlite") == Search("network", "10.1.0.0/16")
    assert parse_search("2001:db8::/112", vendor="sqlite") == Search("network", "2001:db8::/112")
    for wide in ("10.0.0.0/15", "10.0.0.0/8", "2001:db8::/111"):
        with pytest.raises(ValidationError) as raised:
            parse_search(wide, vendor="sqlite")
        assert raised.value.code == "network_too_wide"
        assert "65,536" in raised.value.messages[0]
    # PostgreSQL answers any width from its index.
    assert parse_search("10.0.0.0/8", vendor="postgresql") == Search("network", "10.0.0.0/8")


def _read(text: str, vendor: str) -> tuple[Search | None, ValidationError | None]:
    try:
        return parse_search(text, vendor=vendor), None
    except ValidationError as exc:
        return None, exc


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=60) | st.from_regex(r"[0-9a-fA-F:./]{1,45}", fullmatch=True))
def test_any_input_is_read_or_refused_clearly(text):
    """Whatever is typed: a search the filters can run, or a ValidationError; nothing else."""
    for vendor in ("sqlite", "postgresql"):
        search, error = _read(text, vendor)
        if error is not None:
            assert error.messages and all(error.messages)
            continue
        if search is None:
            assert not text.strip()
        elif search.kind == "ip":
            assert str(ipaddress.ip_address(search.value)) == search.value
        elif search.kind == "network":
            network = ipaddress.ip_network(search.value)
            assert lookups.fits_this_database(network, vendor)
        else:
            assert search.value == text.strip()


@settings(max_examples=50, deadline=None, database=None)
@given(
    address=st.ip_addresses(v=4) | st.ip_addresses(v=6),
    prefix=st.integers(min_value=0, max_value=128),
)
def test_every_real_network_is_read_as_a_network(address, prefix):
    if prefix > address.max_prefixlen:
        return
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    search = parse_search(f"{address}/{prefix}", vendor="postgresql")
    assert search == Search("network", str(network))


def test_stored_addresses_are_written_as_the_field_stores_them():
    assert list(lookups.stored_addresses(ipaddress.ip_network("192.0.2.0/31"))) == [
        "192.0.2.0",
        "192.0.2.1",
    ]
    mapped = ipaddress.ip_network("::ffff:192.0.2.0/127")
    assert list(lookups.stored_addresses(mapped)) == ["::ffff:192.0.2.0", "::ffff:192.0.2.1"]


# --- Filtering stored events -------------------------------------------------------------------------


@pytest.fixture
def hospital(db: Any) -> Organization:
    return Organization.objects.create(name="RS Sehat", kind="constituent")


def _ids(queryset: Any) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _filter(data: dict[str, Any]) -> set[int]:
    return _ids(filter_events(Event.objects.all(), data))


@pytest.mark.django_db
def test_an_address_finds_exactly_that_source():
    inside = make_event(source_ip="192.0.2.7")
    make_event(source_ip="192.0.2.70")
    v6 = make_event(source_ip="2001:db8::7")
    assert _filter({"q": "192.0.2.7"}) == {inside.pk}
    assert _filter({"q": "2001:0DB8:0:0::7"}) == {v6.pk}  # any spelling of the address


@pytest.mark.django_db
def test_a_network_finds_the_sources_inside_it():
    first = make_event(source_ip="192.0.2.0")
    last = make_event(source_ip="192.0.2.255")
    outside = make_event(source_ip="192.0.3.0")
    v6_inside = make_event(source_ip="2001:db8::1:5")
    make_event(source_ip="2001:db8::2:5")
    make_event(source_fqdn="no-address.example")
    assert _filter({"q": "192.0.2.0/24"}) == {first.pk, last.pk}
    assert _filter({"q": "192.0.0.0/16"}) == {first.pk, last.pk, outside.pk}
    assert _filter({"q": "192.0.2.255/32"}) == {last.pk}
    assert _filter({"q": "2001:db8::1:0/112"}) == {v6_inside.pk}
    # An IPv6 network holds no IPv4 source, and the other way round.
    assert _filter({"q": "::/112"}) == set()


@pytest.mark.django_db
def test_the_lookup_reads_a_network_given_as_an_object():
    event = make_event(source_ip="198.51.100.9")
    network = ipaddress.ip_network("198.51.100.0/28")
    assert _ids(Event.objects.filter(source_ip__inside=network)) == {event.pk}


@pytest.mark.django_db
def test_a_wide_network_is_a_form_error_on_sqlite_and_a_search_on_postgresql(personas):
    inside = make_event(source_ip="10.20.30.40")
    form = EventFilterForm({"q": "10.0.0.0/8"}, user=personas.cert_analyst)
    if connection.vendor == "postgresql":
        assert form.is_valid()
        assert _ids(form.apply(Event.objects.all())) == {inside.pk}
    else:
        assert not form.is_valid()
        assert "too wide" in form.errors["q"][0]
        assert _ids(form.apply(Event.objects.all())) == set()


@pytest.mark.django_db
def test_text_searches_host_reverse_name_and_url():
    by_host = make_event(source_fqdn="mail.rs-sehat.example")
    by_reverse = make_event(source_reverse_dns="ip-7.RS-SEHAT.example")
    by_url = make_event(source_url="http://rs-sehat.example/wp-login.php")
    make_event(source_fqdn="other.example")
    assert _filter({"q": "rs-sehat"}) == {by_host.pk, by_reverse.pk, by_url.pk}
    assert _filter({"q": "wp-login"}) == {by_url.pk}
    assert _filter({"q": "100%"}) == set()  # LIKE's wildcards are taken literally


@pytest.mark.django_db
def test_the_other_filters(hospital):
    low = make_event(
        severity=Severity.LOW, feed_name="Feodo Tracker", classification_type="c2-server"
    )
    high = make_event(
        hospital, severity=Severity.HIGH, time_observation=BASE_TIME + timedelta(days=2)
    )
    critical = make_event(
        hospital, severity=Severity.CRITICAL, time_observation=BASE_TIME - timedelta(days=3)
    )
    assert _filter({"constituent": hospital.pk}) == {high.pk, critical.pk}
    assert _filter({"constituent": hospital}) == {high.pk, critical.pk}
    assert _filter({"severity": Severity.HIGH}) == {high.pk, critical.pk}
    assert _filter({"classification_type": "c2-server"}) == {low.pk}
    assert _filter({"feed": "feodo"}) == {low.pk}
    day = BASE_TIME.date()
    assert _filter({"time_from": day}) == {low.pk, high.pk}
    assert _filter({"time_to": day}) == {low.pk, critical.pk}
    assert _filter({"time_from": day, "time_to": day}) == {low.pk}
    assert _filter({"q": "", "feed": "", "severity": None}) == {low.pk, high.pk, critical.pk}


@pytest.mark.django_db
def test_bad_values_raise_errors_naming_the_filter():
    with pytest.raises(ValidationError) as raised:
        filter_events(Event.objects.all(), {"q": "10.0.0.0/99"})
    assert set(raised.value.message_dict) == {"q"}
    with pytest.raises(ValidationError) as raised:
        filter_events(
            Event.objects.all(), {"time_from": date(2025, 3, 2), "time_to": date(2025, 3, 1)}
        )
    assert set(raised.value.message_dict) == {"time_to"}
    # The first day of year 1 begins, in Jakarta, before any UTC datetime can say.
    with pytest.raises(ValidationError) as raised:
        filter_events(Event.objects.all(), {"time_from": date(1, 1, 1)})
    assert set(raised.value.message_dict) == {"time_from"}


@pytest.mark.django_db
def test_the_form_shows_errors_and_hides_the_constituent_from_a_constituent(personas):
    staff = EventFilterForm({"q": "10.0.0.300", "severity": "9"}, user=personas.cert_analyst)
    assert not staff.is_valid()
    assert set(staff.errors) == {"q", "severity"}
    assert "constituent" in staff.fields
    reporter = EventFilterForm({}, user=personas.constituent_reporter)
    assert "constituent" not in reporter.fields
    reversed_days = EventFilterForm(
        {"time_from": "2025-03-02", "time_to": "2025-03-01"}, user=personas.auditor
    )
    assert not reversed_days.is_valid()
    assert reversed_days.errors["time_to"] == ["The end is before the start."]
