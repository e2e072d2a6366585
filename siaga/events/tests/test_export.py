"""The export as IntelMQ JSON lines: the shape of each line, the page, its permission and its audit."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.events import export
from siaga.events.tests.test_filters import make_event
from siaga.feeds import harmonized

EXPORT = reverse("events:export")


def _lines(response: Any) -> list[dict[str, Any]]:
    body = b"".join(response.streaming_content).decode()
    assert body == "" or body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


# --- One event as IntelMQ's flat object (no database) -----------------------------------------------


def test_fields_are_intelmq_names_with_only_the_values_present():
    row: dict[str, Any] = dict.fromkeys(export.COLUMNS)
    row.update(
        feed_name="Shadowserver Open RDP",
        feed_accuracy=100.0,
        time_observation=datetime(2025, 3, 1, 8, 0, 5, 120000, tzinfo=UTC),
        classification_taxonomy="vulnerable",
        classification_type="vulnerable-system",
        source_ip="192.0.2.10",
        source_port=0,  # a port of 0 is a value
        source_fqdn="",  # empty text is not
        source_geolocation_latitude=math.nan,  # nor is what JSON cannot carry
        extra={"tag": "rdp", "empty": "", "none": None, "nested": {"a": [1, 2]}},
    )
    fields = export.intelmq_fields(row)
    assert fields == {
        "feed.name": "Shadowserver Open RDP",
        "feed.accuracy": 100.0,
        "time.observation": "2025-03-01T08:00:05.120000+00:00",
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "source.ip": "192.0.2.10",
        "source.port": 0,
        "extra.tag": "rdp",
        "extra.nested": {"a": [1, 2]},
    }
    assert set(fields) - {"extra.tag", "extra.nested"} <= set(harmonized.FIELDS)


def test_extra_stored_as_text_or_as_something_else_is_still_exported():
    assert export.intelmq_fields({"extra": '{"a": 1}'}) == {"extra.a": 1}
    assert export.intelmq_fields({"extra": "not json"}) == {"extra": "not json"}
    assert export.intelmq_fields({"extra": [1, 2]}) == {"extra": [1, 2]}
    assert export.intelmq_fields({"extra": {}}) == {}


def test_a_nan_deep_in_extra_becomes_null_and_the_line_stays_json():
    line = export.intelmq_line({"extra.scores": [1.0, math.nan]})
    assert json.loads(line) == {"extra.scores": [1.0, None]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    text=st.text(max_size=30),
    number=st.floats() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.none(),
)
def test_every_row_becomes_one_line_of_valid_json(extra, text, number):
    """Any stored values: exactly one line, which JSON reads back, with no empty field in it."""
    row = {"feed_name": text, "source_asn": number, "feed_accuracy": number, "extra": extra}
    line = export.intelmq_line(export.intelmq_fields(row))
    assert line.endswith("\n") and line.count("\n") == 1
    decoded = json.loads(line)
    assert all(value not in ("", None) for value in decoded.values())
    assert ("feed.name" in decoded) == (text != "")
    expected_extra = {f"extra.{k}" for k, v in extra.items() if v not in ("", None)}
    expected_extra -= {
        f"extra.{k}" for k, v in extra.items() if isinstance(v, float) and not math.isfinite(v)
    }
    assert {k for k in decoded if k.startswith("extra.")} == expected_extra


def test_lines_are_joined_into_larger_writes():
    assert list(export.joined([f"{n}\n" for n in range(5)], size=2)) == ["0\n1\n", "2\n3\n", "4\n"]
    assert list(export.joined([], size=2)) == []


# --- The export page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_streams_the_filtered_events_as_intelmq_lines(client, personas):
    orgs = personas.orgs
    make_event(orgs.hospital, source_ip="192.0.2.10", extra={"tag": "rdp"})
    make_event(orgs.other_hospital, source_ip="192.0.2.99", source_port=3389)
    make_event(orgs.hospital, source_ip="198.51.100.1")
    login(client, personas.cert_analyst)
    response = client.get(EXPORT, {"q": "192.0.2.0/24"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert 'filename="events-' in response["Content-Disposition"]
    lines = _lines(response)
    assert [line["source.ip"] for line in lines] == ["192.0.2.10", "192.0.2.99"]  # stored order
    assert lines[0]["extra.tag"] == "rdp" and "extra" not in lines[0]
    assert lines[1]["source.port"] == 3389
    for line in lines:
        assert line["time.observation"].endswith("+00:00")
        assert line["classification.type"] == "vulnerable-system"
        assert "source_ip" not in line and "constituent" not in line


@pytest.mark.django_db
def test_the_export_is_audited_with_its_filters(client, personas):
    make_event(personas.orgs.hospital)
    login(client, personas.cert_lead)
    response = client.get(EXPORT, {"severity": "2", "feed": "shadow"})
    _lines(response)
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.object_type == "events.event"
    assert entry.actor_id == personas.cert_lead.pk
    assert entry.changes["filters"] == {
        "format": "intelmq-jsonl",
        "severity": "2",
        "feed": "shadow",
    }
    assert entry.changes["rows"] == export.NOT_COUNTED


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["constituent_reporter", "constituent_admin", "auditor"])
def test_only_the_cert_may_export(client, personas, persona):
    make_event(personas.orgs.hospital)
    login(client, personas.by_name(persona))
    assert client.get(EXPORT).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_an_export_with_bad_filters_shows_the_errors_instead(client, personas):
    login(client, personas.cert_analyst)
    response = client.get(EXPORT, {"q": "10.0.0.0/77"})
    assert response.status_code == 400
    assert "not a valid network" in response.context["filters"].errors["q"][0]
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_the_export_reads_and_writes_in_groups(client, personas, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_CHUNK", 3)
    monkeypatch.setattr(export, "LINES_PER_WRITE", 4)
    for n in range(10):
        make_event(personas.orgs.hospital, source_port=n)
    login(client, personas.cert_admin)
    response = client.get(EXPORT)
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # 4 + 4 + 2 lines
    ports = [json.loads(line)["source.port"] for line in b"".join(chunks).decode().splitlines()]
    assert ports == list(range(10))
