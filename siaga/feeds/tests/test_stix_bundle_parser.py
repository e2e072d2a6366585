"""The STIX parser: indicators and observed data as events, every other object accounted for, the
OASIS examples and MITRE ATT&CK bundles from the shared data, and malformed content."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.feeds import harmonized
from siaga.feeds.choices import ParserKind
from siaga.feeds.parsers import registry
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.stix_bundle import is_not_an_event, parse_stix_bundle, pattern_values

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
STIX_FILES = sorted((SHARED).glob("stix*/**/*.json")) if SHARED.exists() else []
SEEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "name": "Partner CERT",
    "identity_class": "organization",
}
MALWARE = {
    "type": "malware",
    "spec_version": "2.1",
    "id": "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "name": "QakBot",
    "is_family": True,
}


def indicator(number: int, pattern: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{number:012d}",
        "created": "2024-02-01T00:00:00.000Z",
        "modified": "2024-02-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2024-02-02T03:04:05.000Z",
        "created_by_ref": IDENTITY["id"],
        **more,
    }


def bundle(*objects: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}
    )


def rows(result: ParseResult) -> list[dict[str, Any]]:
    return result.events.to_dicts()


def reasons(result: ParseResult) -> dict[int, str]:
    return {row.row: row.reason for row in result.quarantine}


def assert_well_formed(result: ParseResult) -> None:
    assert result.events.columns == [*harmonized.FIELDS, "_row"]
    assert dict(result.events.schema) == {**harmonized.FIELDS, "_row": pl.Int64}
    assert not set(result.events["_row"].to_list()) & {row.row for row in result.quarantine}
    assert all(row.reason for row in result.quarantine)
    for column in harmonized.REQUIRED:
        assert result.events[column].null_count() == 0


def assert_every_object_accounted_for(objects: list[Any], result: ParseResult) -> None:
    """Each object produced events, was quarantined with a reason, or is documented context."""
    with_events = set(result.events["_row"].to_list())
    quarantined = reasons(result)
    for position, obj in enumerate(objects, start=1):
        outcomes = [position in with_events, position in quarantined, is_not_an_event(obj)]
        assert sum(outcomes) == 1, (position, obj if not isinstance(obj, dict) else obj.get("type"))


# --- Indicators ----------------------------------------------------------------------------------


def test_indicators_become_one_event_per_value() -> None:
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "relationship_type": "indicates",
        "source_ref": "indicator--00000000-0000-4000-8000-000000000001",
        "target_ref": MALWARE["id"],
    }
    first = indicator(
        1,
        "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'C2.Example.'] "
        "OR [url:value = 'http://dl.example/a.exe']",
        indicator_types=["malicious-activity"],
        confidence=80,
        labels=["qakbot"],
        valid_until="2025-01-01T00:00:00Z",
    )
    second = indicator(
        2, "[file:hashes.'SHA-256' = '" + "AB" * 32 + "']", indicator_types=["malicious-activity"]
    )
    third = indicator(3, "[ipv6-addr:value = '2001:DB8::/48']", indicator_types=["compromised"])
    fourth = indicator(4, "[ipv4-addr:value = '192.0.2.1']", labels=["Phishing"])
    fifth = indicator(5, "[domain-name:value = 'tor.example']", indicator_types=["anonymization"])
    sixth = indicator(6, "[ipv4-addr:value = '192.0.2.2']")
    objects = [IDENTITY, MALWARE, relationship, first, second, third, fourth, fifth, sixth]
    result = parse_stix_bundle(bundle(*objects), observation_time=SEEN)
    assert_well_formed(result)
    assert result.quarantine == []
    events = rows(result)
    values = [
        (
            e["_row"],
            e["source.ip"] or e["source.fqdn"] or e["source.url"] or e["source.network"]
            or e["malware.hash.sha256"],
            e["classification.taxonomy"],
            e["classification.type"],
        )
        for e in events
    ]  # fmt: skip
    assert values == [
        (4, "198.51.100.7", "malicious-code", "c2-server"),
        (4, "c2.example", "malicious-code", "c2-server"),
        (4, "http://dl.example/a.exe", "malicious-code", "malware-distribution"),
        (5, "ab" * 32, "malicious-code", "malware-distribution"),
        (6, "2001:db8::/48", "intrusions", "system-compromise"),
        (7, "192.0.2.1", "fraud", "phishing"),
        (8, "tor.example", "other", "undetermined"),
        (9, "192.0.2.2", "other", "undetermined"),
    ]
    head = events[0]
    assert head["malware.name"] == head["classification.identifier"] == "qakbot"
    assert events[3]["malware.name"] is None  # no relationship for the second indicator
    assert head["time.source"] == datetime(2024, 2, 2, 3, 4, 5, tzinfo=UTC)
    assert head["time.observation"] == SEEN
    assert head["feed.name"] == "STIX"
    assert head["feed.provider"] == "Partner CERT"
    assert json.loads(head["extra"]) == {
        "stix_id": first["id"],
        "confidence": 80,
        "indicator_types": ["malicious-activity"],
        "labels": ["qakbot"],
        "valid_until": "2025-01-01T00:00:00Z",
    }
    assert json.loads(base64.b64decode(head["raw"])) == first


def test_stix_20_bundle_with_labels() -> None:
    document = {
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "spec_version": "2.0",
        "objects": [
            {
                "type": "indicator",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": "2017-01-01T00:00:00.000Z",
                "modified": "2017-01-01T00:00:00.000Z",
                "labels": ["malicious-activity"],
                "pattern": "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
                "valid_from": "2017-01-01T00:00:00Z",
            }
        ],
    }
    [event] = rows(parse_stix_bundle(orjson.dumps(document), observation_time=SEEN))
    assert event["malware.hash.md5"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert event["classification.type"] == "malware-distribution"


def test_unusable_indicators_are_quarantined_with_the_reason() -> None:
    objects = [
        indicator(1, "[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']"),
        indicator(2, "[email-message:subject = 'hello']"),
        indicator(3, "[ipv4-addr:value = '1.2.3.4'] WITHIN 60 SECONDS"),
        indicator(4, "[ipv4-addr:value = '1.2.3.400']"),
        indicator(5, "rule x { condition: true }", pattern_type="yara"),
        indicator(6, "[ipv4-addr:value = "),
        indicator(7, "[ipv4-addr:value = '1.2.3.4']", indicator_types=["benign"]),
        indicator(8, "[ipv4-addr:value = '1.2.3.4']", valid_from="yesterday"),
        indicator(9, "[domain-name:value = 'not a host']"),
        indicator(10, "[ipv4-addr:value = '2001:db8::1']"),
    ]
    result = parse_stix_bundle(bundle(*objects), observation_time=SEEN)
    assert result.events.height == 0
    found = reasons(result)
    assert found == {
        1: "pattern: comparisons joined by AND (or EXISTS) describe one thing seen together, not values",
        2: found[2],
        3: "pattern: qualifiers and AND / FOLLOWEDBY between observations are not single values",
        4: "ipv4-addr: “1.2.3.400” is not an IP address or network",
        5: "pattern_type: “yara” patterns are not read, only STIX",
        6: found[6],
        7: "indicator is marked benign: it describes nothing harmful",
        8: found[8],
        9: "domain-name: “not a host” is not a host name",
        10: "ipv4-addr: “2001:db8::1” is an IPv6 address",
    }  # fmt: skip
    assert found[2].startswith("pattern: email-message:subject is not read (supported:")
    assert found[6].startswith("pattern: not a valid STIX pattern")
    assert "valid_from" in found[8]
    assert json.loads(result.quarantine[0].raw) == objects[0]


def test_pattern_values_reads_ors_and_refuses_the_rest() -> None:
    assert pattern_values(
        "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' OR "
        "file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"
    ) == [
        ("malware.hash.md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("malware.hash.sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ]
    assert pattern_values("[url:value = 'http://x.example/it\\'s']") == [
        ("source.url", "http://x.example/it's")
    ]
    for refused in (
        "[ipv4-addr:value != '1.2.3.4']",
        "[ipv4-addr:value IN ('1.2.3.4', '1.2.3.5')]",
        "[ipv4-addr:value MATCHES '^1\\\\.']",
        "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']",
        "[network-traffic:dst_ref.value = '1.2.3.4']",
    ):
        with pytest.raises(ValueError, match="pattern: "):
            pattern_values(refused)


def test_revoked_objects_and_context_are_not_events() -> None:
    objects = [
        IDENTITY,
        MALWARE,
        indicator(1, "[ipv4-addr:value = '192.0.2.1']", revoked=True),
        {"type": "x-siaga-note", "id": "x-siaga-note--1"},
        {"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--1"},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "192.0.2.9"},
        {"type": "not-stix", "id": "not-stix--1"},
        "just text",
        {"no": "type"},
    ]
    result = parse_stix_bundle(bundle(*objects), observation_time=SEEN)
    assert result.events.height == 0
    assert reasons(result) == {
        7: "type “not-stix” is not a STIX 2.0 or 2.1 object type",
        8: "not a STIX object (an object with a “type”)",
        9: "not a STIX object (an object with a “type”)",
    }
    assert_every_object_accounted_for(objects, result)


# --- Observed data -------------------------------------------------------------------------------


def test_observed_data_21_by_reference_and_20_inline() -> None:
    ip = {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"}  # fmt: skip
    domain = {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "evil.example"}  # fmt: skip
    file = {"type": "file", "spec_version": "2.1", "id": "file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d", "name": "a.exe"}  # fmt: skip
    observed_21 = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "first_observed": "2024-02-01T00:00:00Z",
        "last_observed": "2024-02-01T06:00:00Z",
        "number_observed": 3,
        "object_refs": [ip["id"], domain["id"], file["id"]],
    }
    observed_20 = {
        "type": "observed-data",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448ce",
        "created": "2017-01-01T00:00:00.000Z",
        "modified": "2017-01-01T00:00:00.000Z",
        "first_observed": "2017-01-01T00:00:00Z",
        "last_observed": "2017-01-01T00:00:00Z",
        "number_observed": 1,
        "objects": {
            "0": {"type": "ipv6-addr", "value": "2001:db8::7"},
            "1": {"type": "network-traffic", "dst_ref": "0", "protocols": ["tcp"]},
        },
    }
    dangling = {**observed_21, "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cd", "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742de"]}  # fmt: skip
    only_files = {**observed_21, "object_refs": [file["id"]]}
    objects = [ip, domain, file, observed_21, observed_20, dangling, only_files]
    result = parse_stix_bundle(bundle(*objects), observation_time=SEEN)
    assert_well_formed(result)
    assert [
        (e["_row"], e["source.ip"] or e["source.fqdn"], e["time.source"]) for e in rows(result)
    ] == [
        (4, "198.51.100.3", datetime(2024, 2, 1, 6, tzinfo=UTC)),
        (4, "evil.example", datetime(2024, 2, 1, 6, tzinfo=UTC)),
        (5, "2001:db8::7", datetime(2017, 1, 1, tzinfo=UTC)),
    ]
    assert rows(result)[0]["classification.type"] == "undetermined"
    assert json.loads(rows(result)[0]["extra"])["number_observed"] == 3
    assert reasons(result) == {
        6: "object_refs: not in this content: ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742de",
        7: "observed-data: observed no IPv4 or IPv6 address, domain name or URL",
    }
    assert_every_object_accounted_for(objects, result)


# --- Shapes of content ---------------------------------------------------------------------------


def test_taxii_envelope_bare_list_and_single_object() -> None:
    one = indicator(1, "[ipv4-addr:value = '192.0.2.1']")
    for document in ({"objects": [one], "more": False}, [one], one):
        result = parse_stix_bundle(orjson.dumps(document), observation_time=SEEN)
        assert rows(result)[0]["source.ip"] == "192.0.2.1"
        assert rows(result)[0]["feed.provider"] is None  # the identity is not in this content
    empty = parse_stix_bundle(orjson.dumps({"more": False}), observation_time=SEEN)
    assert empty.total == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "STIX: the report is not JSON"),
        (b"42", "expected a STIX bundle"),
        (b'{"hello": "world"}', "expected a STIX bundle"),
        (b'{"type": "bundle", "objects": {}}', "“objects” is not a list"),
    ],
)
def test_content_that_is_not_stix_raises(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_stix_bundle(data, observation_time=SEEN)


def test_registry_reads_stix() -> None:
    data = bundle(indicator(1, "[ipv4-addr:value = '192.0.2.1']"))
    result = registry.parse_whole(ParserKind.STIX, data, observation_time=SEEN, mapping={})
    assert result.events.height == 1


# --- The shared data: OASIS examples and MITRE ATT&CK --------------------------------------------


@pytest.mark.skipif(
    not STIX_FILES, reason="../shared/data/stix* is not here (a user's clone); CI has it"
)
@pytest.mark.parametrize("path", STIX_FILES, ids=lambda path: path.name)
def test_shared_stix_content_accounts_for_every_object(path: Path) -> None:
    data = path.read_bytes()
    result = parse_stix_bundle(data, observation_time=SEEN)
    assert_well_formed(result)
    document = orjson.loads(data)
    objects = document["objects"] if document.get("type") == "bundle" else [document]
    assert_every_object_accounted_for(objects, result)


@pytest.mark.skipif(
    not STIX_FILES, reason="../shared/data/stix* is not here (a user's clone); CI has it"
)
def test_oasis_c2_example_gives_its_indicators() -> None:
    data = (SHARED / "stix" / "examples" / "indicators-for-C2-with-COA.json").read_bytes()
    events = rows(parse_stix_bundle(data, observation_time=SEEN))
    assert [(e["source.ip"], e["malware.hash.sha256"], e["malware.name"]) for e in events] == [
        ("10.0.0.0", None, "poison ivy"),
        (None, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", "poison ivy"),
    ]
    assert events[0]["feed.provider"] == "The MITRE Corporation - DHS Support Team"


# --- Property tests ------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)  # fmt: skip
PATTERNS = st.sampled_from(
    [
        "[ipv4-addr:value = '192.0.2.1']",
        "[ipv4-addr:value = '192.0.2.1' OR url:value = 'http://x']",
        "[domain-name:value = 'a.example'] OR [ipv6-addr:value = '::1']",
        "[file:hashes.'SHA-256' = 'x']",
        "[ipv4-addr:value > 3]",
        "[(ipv4-addr:value = '1.1.1.1')]",
        "[",
        "",
    ]
) | st.text(max_size=40)  # fmt: skip
OBJECTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["indicator", "observed-data", "relationship", "ipv4-addr", "x-y", "zz"])},
    optional={
        "id": st.sampled_from(["indicator--1", "ipv4-addr--1", "malware--1"]) | JSON_VALUES,
        "spec_version": st.sampled_from(["2.0", "2.1", "3"]) | JSON_VALUES,
        "pattern": PATTERNS | JSON_VALUES,
        "pattern_type": st.sampled_from(["stix", "yara"]) | JSON_VALUES,
        "valid_from": st.sampled_from(["2024-01-01T00:00:00Z", "2024-13-01T00:00:00Z"]) | JSON_VALUES,
        "indicator_types": st.lists(st.sampled_from(["benign", "compromised", "c2"]) | JSON_VALUES, max_size=2) | JSON_VALUES,
        "labels": JSON_VALUES,
        "revoked": st.booleans(),
        "object_refs": st.lists(st.sampled_from(["ipv4-addr--1", "x"]) | JSON_VALUES, max_size=2) | JSON_VALUES,
        "objects": st.dictionaries(st.text(max_size=2), st.fixed_dictionaries({"type": st.sampled_from(["ipv4-addr", "url", "file"]), "value": JSON_VALUES | st.just("192.0.2.1")}) | JSON_VALUES, max_size=2) | JSON_VALUES,
        "value": st.just("192.0.2.1") | JSON_VALUES,
        "relationship_type": st.just("indicates"),
        "source_ref": st.just("indicator--1"),
        "target_ref": st.just("malware--1") | JSON_VALUES,
        "confidence": JSON_VALUES,
    },
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=st.lists(OBJECTS | JSON_VALUES, max_size=6))
def test_random_objects_are_each_accounted_for(objects: list[Any]) -> None:
    result = parse_stix_bundle(bundle(*objects), observation_time=SEEN)
    assert_well_formed(result)
    assert_every_object_accounted_for(objects, result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=200) | JSON_VALUES.map(orjson.dumps))
def test_arbitrary_content_gives_a_result_or_a_value_error(data: bytes) -> None:
    try:
        result = parse_stix_bundle(data, observation_time=SEEN)
    except ValueError:
        return
    assert_well_formed(result)


# --- Through the pipeline ------------------------------------------------------------------------


def test_a_stix_bundle_is_processed_into_stored_events(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    from siaga.events.models import Event
    from siaga.feeds import actions
    from siaga.feeds.choices import FeedReportStatus, ReportSource
    from siaga.feeds.models import Feed, QuarantinedRow
    from siaga.jobs.actions import claim_job
    from siaga.jobs.choices import JobStatus
    from siaga.jobs.models import Job
    from siaga.jobs.runner import execute_job

    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    feed = Feed.objects.create(name="Partner STIX", parser=ParserKind.STIX)
    data = bundle(
        IDENTITY,
        indicator(1, "[ipv4-addr:value = '192.0.2.1' OR url:value = 'http://x.example/p']", indicator_types=["compromised"]),
        indicator(2, "[email-message:subject = 'hi']"),
    )  # fmt: skip
    report, created = actions.do_receive_report(
        feed, [data], "bundle.json", source=ReportSource.CLI
    )
    assert created
    for job in Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED):
        claimed = claim_job(job.pk)
        assert claimed is not None
        execute_job(claimed)
    report.refresh_from_db()
    assert report.status == FeedReportStatus.DONE
    assert (report.events_stored, report.rows_quarantined) == (2, 1)
    event = Event.objects.get(source_ip="192.0.2.1")
    assert (event.classification_taxonomy, event.classification_type) == (
        "intrusions",
        "system-compromise",
    )
    assert event.extra is not None and event.extra["stix_id"].startswith("indicator--")
    assert QuarantinedRow.objects.get(report=report).row == 3
