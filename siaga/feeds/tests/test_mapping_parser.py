"""The mapped CSV/JSON parsers: reports read the way the operator's mapping says, the mapping's own
checks, and property tests that feed them malformed reports and mappings."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
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
from siaga.feeds.parsers.mapping import (
    mapping_errors,
    parse_mapped_csv,
    parse_mapped_json,
)

SEEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

C2_MAPPING: dict[str, Any] = {
    "classification": {"type": "c2-server", "identifier": "emotet"},
    "fields": {
        "source.ip": "ip",
        "source.port": "port",
        "time.source": "first_seen",
        "extra.status": "status",
    },
    "constants": {"feed.name": "Partner C2 list", "feed.provider": "Partner CERT"},
    "extra": ["note"],
    "comment_prefix": "#",
}
C2_CSV = b"""# Partner C2 list, generated 2024-03-01
ip,port,first_seen,status,note
198.51.100.7,443,2024-02-28T10:00:00Z,online,first
2001:DB8::1,8080,2024-02-28 11:30:00+07:00,offline,
203.0.113.300,80,2024-02-28T10:00:00Z,online,bad ip
198.51.100.8,70000,2024-02-28T10:00:00Z,online,bad port
198.51.100.9,80,yesterday,online,bad time
198.51.100.10,80
"""


def rows(result: ParseResult) -> list[dict[str, Any]]:
    return result.events.to_dicts()


def reasons(result: ParseResult) -> dict[int, str]:
    return {row.row: row.reason for row in result.quarantine}


def assert_well_formed(result: ParseResult, records: int | None = None) -> None:
    """Harmonized columns in order with ``_row``; each record an event or quarantined, never both."""
    assert result.events.columns == [*harmonized.FIELDS, "_row"]
    assert dict(result.events.schema) == {**harmonized.FIELDS, "_row": pl.Int64}
    event_rows = set(result.events["_row"].to_list())
    quarantined = {row.row for row in result.quarantine}
    assert not event_rows & quarantined
    assert all(row.reason for row in result.quarantine)
    if records is not None:
        assert result.total == records
        assert event_rows | quarantined == set(range(1, records + 1))
    for column in harmonized.REQUIRED:
        assert result.events[column].null_count() == 0


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_report_read_by_the_mapping() -> None:
    result = parse_mapped_csv(C2_CSV, C2_MAPPING, observation_time=SEEN)
    assert_well_formed(result, 6)
    first, second = rows(result)
    assert first["source.ip"] == "198.51.100.7"
    assert first["source.port"] == 443
    assert first["time.source"] == datetime(2024, 2, 28, 10, 0, tzinfo=UTC)
    assert first["time.observation"] == SEEN
    assert first["classification.taxonomy"] == "malicious-code"
    assert first["classification.type"] == "c2-server"
    assert first["classification.identifier"] == "emotet"
    assert first["feed.name"] == "Partner C2 list"
    assert first["feed.provider"] == "Partner CERT"
    assert json.loads(first["extra"]) == {"note": "first", "status": "online"}
    assert base64.b64decode(first["raw"]) == b"198.51.100.7,443,2024-02-28T10:00:00Z,online,first"
    assert first["_row"] == 1
    # IPv6 canonical, an offset turned into UTC, an empty column left out of extra.
    assert second["source.ip"] == "2001:db8::1"
    assert second["time.source"] == datetime(2024, 2, 28, 4, 30, tzinfo=UTC)
    assert json.loads(second["extra"]) == {"status": "offline"}
    assert reasons(result) == {
        3: "source.ip (column “ip”): not an IP address",
        4: "source.port (column “port”): not a port number (0-65535)",
        5: "time.source (column “first_seen”): not an ISO 8601 date and time",
        6: "expected 5 fields as in the header",
    }


def test_header_lacking_a_mapped_column_refuses_the_report() -> None:
    data = b"address,port,first_seen,status,note\n198.51.100.7,443,,online,\n"
    with pytest.raises(ValueError, match=r"lacks the mapped columns ip \(it has: address"):
        parse_mapped_csv(data, C2_MAPPING, observation_time=SEEN)


def test_csv_without_header_with_named_columns_tab_and_quotes() -> None:
    mapping = {
        "classification": {"taxonomy": "fraud", "type": "phishing"},
        "fields": {"source.url": "url", "time.source": "added"},
        "has_header": False,
        "columns": ["url", "added", "comment"],
        "delimiter": "\t",
        "extra": ["comment"],
    }
    data = (
        b'http://phish.example/login\t1709251200\t"said ""hi""\tthere"\n'
        b"http://phish.example/b\t1709251200123\tms\n"
        b"http://phish.example/c\t1709251200\n"
        b'"http://phish.example/d\t1\tx\n'
    )
    result = parse_mapped_csv(data, mapping, observation_time=SEEN)
    assert_well_formed(result, 4)
    first, second = rows(result)
    assert first["source.url"] == "http://phish.example/login"
    assert first["time.source"] == datetime(2024, 3, 1, tzinfo=UTC)  # epoch seconds
    assert json.loads(first["extra"]) == {"comment": 'said "hi"\tthere'}
    assert second["time.source"] == datetime(2024, 3, 1, 0, 0, 0, 123000, tzinfo=UTC)  # millis
    assert first["classification.taxonomy"] == "fraud"
    assert first["feed.name"] == "CSV feed"
    assert reasons(result) == {
        3: "expected 3 fields as in the header",
        4: "line is not well-formed CSV",
    }


def test_time_format_with_and_without_offset() -> None:
    mapping = {
        "classification": {"type": "scanner"},
        "fields": {"source.ip": "ip", "time.source": "when"},
        "time_format": "%d/%m/%Y %H:%M%z",
    }
    data = b"ip,when\n192.0.2.1,01/03/2024 08:00+0700\n192.0.2.2,2024-03-01\n"
    result = parse_mapped_csv(data, mapping, observation_time=SEEN)
    assert rows(result)[0]["time.source"] == datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
    assert rows(result)[0]["classification.taxonomy"] == "information-gathering"
    assert reasons(result) == {2: "time.source (column “when”): not an ISO 8601 date and time"}


def test_classification_per_record() -> None:
    mapping = {
        "fields": {
            "source.fqdn": "host",
            "classification.type": "kind",
            "classification.identifier": "family",
        },
    }
    data = (
        b"host,kind,family\n"
        b"a.example,C2-Server,qakbot\n"
        b"b.example,unauthorized-use-of-resources,\n"  # IntelMQ's spelling
        b"c.example,blacklist,\n"  # IntelMQ's type: other/undetermined
        b"d.example,nonsense,\n"
        b"e.example,,\n"
    )
    result = parse_mapped_csv(data, mapping, observation_time=SEEN)
    assert [
        (r["classification.taxonomy"], r["classification.type"], r["classification.identifier"])
        for r in rows(result)
    ] == [
        ("malicious-code", "c2-server", "qakbot"),
        ("fraud", "unauthorised-use-of-resources", None),
        ("other", "undetermined", None),
    ]
    assert reasons(result) == {
        4: "classification.type (column “kind”): not an RSIT type",
        5: "classification.type (column “kind”): missing",
    }


def test_fixed_taxonomy_checks_the_type_per_record() -> None:
    mapping = {
        "classification": {"taxonomy": "vulnerable"},
        "fields": {"source.ip": "ip", "classification.type": "kind"},
    }
    data = b"ip,kind\n192.0.2.1,vulnerable-system\n192.0.2.2,c2-server\n"
    result = parse_mapped_csv(data, mapping, observation_time=SEEN)
    assert rows(result)[0]["classification.type"] == "vulnerable-system"
    assert reasons(result) == {
        2: "classification.type (column “kind”): not a type of the given taxonomy"
    }


def test_columns_named_like_harmonized_fields_do_not_clash() -> None:
    mapping = {
        "classification": {"type": "spam"},
        "fields": {"source.ip": "raw"},
        "extra": ["status"],
    }
    data = b"raw,status,source.ip,_row\n192.0.2.1,listed,10.0.0.1,99\n"
    [event] = rows(parse_mapped_csv(data, mapping, observation_time=SEEN))
    assert event["source.ip"] == "192.0.2.1"
    assert event["status"] is None
    assert event["_row"] == 1
    assert json.loads(event["extra"]) == {"status": "listed"}


def test_non_utf8_line_and_empty_report() -> None:
    data = b"ip,port,first_seen,status,note\n\xff\xfe,1,,,\n198.51.100.7,1,,,\n"
    result = parse_mapped_csv(data, C2_MAPPING, observation_time=SEEN)
    assert reasons(result) == {1: "line is not valid UTF-8"}
    assert result.events.height == 1
    empty = parse_mapped_csv(b"# nothing today\n", C2_MAPPING, observation_time=SEEN)
    assert empty.total == 0
    assert_well_formed(empty, 0)


# --- JSON ----------------------------------------------------------------------------------------

JSON_MAPPING: dict[str, Any] = {
    "classification": {"taxonomy": "malicious-code", "type": "malware-distribution"},
    "fields": {
        "source.url": "attributes.url",
        "source.asn": "network.asn",
        "time.source": "seen",
        "malware.hash.sha256": "attributes.sha256",
    },
    "records": "data.items",
    "extra": ["tags", "score"],
}


def test_json_document_read_by_the_mapping() -> None:
    document = {
        "data": {
            "items": [
                {
                    "attributes": {"url": "http://dl.example/a.exe", "sha256": "ab" * 32},
                    "network": {"asn": 64500},
                    "seen": 1709251200,
                    "tags": ["exe", "loader"],
                    "score": 7,
                },
                {"attributes": {"url": ["not", "one"]}, "seen": "2024-03-01T00:00:00Z"},
                "not an object",
                {"attributes": {"url": "http://dl.example/b"}, "network": {"asn": "AS-X"}},
                {"attributes": {"url": "http://dl.example/c"}, "seen": "2024-02-30T00:00:00Z"},
            ]
        }
    }
    result = parse_mapped_json(orjson.dumps(document), JSON_MAPPING, observation_time=SEEN)
    assert_well_formed(result, 5)
    [event] = rows(result)
    assert event["source.url"] == "http://dl.example/a.exe"
    assert event["source.asn"] == 64500
    assert event["malware.hash.sha256"] == "ab" * 32
    assert event["time.source"] == datetime(2024, 3, 1, tzinfo=UTC)
    assert event["feed.name"] == "JSON feed"
    assert json.loads(event["extra"]) == {"tags": ["exe", "loader"], "score": 7}
    assert json.loads(base64.b64decode(event["raw"])) == document["data"]["items"][0]
    assert reasons(result) == {
        2: "source.url (key “attributes.url”): wrong type, expected a string",
        3: "record is not a JSON object",
        4: "source.asn (key “network.asn”): not an AS number (0-4294967295)",
        5: "time.source (key “seen”): not an ISO 8601 date and time",
    }


def test_json_lines_and_flat_dotted_keys() -> None:
    mapping = {
        "classification": {"type": "c2-server"},
        "fields": {"source.ip": "source.ip", "source.port": "port"},
    }
    data = (
        b'{"source.ip": "192.0.2.1", "port": 443}\n'
        b"\n"
        b'{"source": {"ip": "192.0.2.2"}, "port": "8080"}\n'
        b"not json\n"
        b"[1]\n"
        b'{"source.ip": "192.0.2.3", "port": 1.5}\n'
    )
    result = parse_mapped_json(data, mapping, observation_time=SEEN)
    assert [(r["source.ip"], r["source.port"], r["_row"]) for r in rows(result)] == [
        ("192.0.2.1", 443, 1),
        ("192.0.2.2", 8080, 2),
    ]
    found = reasons(result)
    assert found[3].startswith("line is not JSON")
    assert found[4] == "line is not a JSON object (it is a list)"
    assert found[5] == "source.port (key “port”): wrong type, expected an integer"


@pytest.mark.parametrize(
    ("data", "mapping", "message"),
    [
        (b'{"data": []}', {}, "top level is an object"),
        (
            b'{"data": {"items": {}}}',
            {"records": "data.items"},
            "records: 'data.items' is not a list",
        ),
        (b"\xff\xfe garbage", {}, "neither a JSON document nor JSON lines"),
        (b"", {}, "neither a JSON document nor JSON lines"),
    ],
)
def test_json_that_is_not_a_list_of_records_raises(
    data: bytes, mapping: dict[str, Any], message: str
) -> None:
    spec = {"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, **mapping}
    with pytest.raises(ValueError, match=message):
        parse_mapped_json(data, spec, observation_time=SEEN)


# --- The mapping's own checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([], "mapping: must be a JSON object"),
        ({"fields": {"source.ip": "ip"}, "colour": 1}, "colour: not a mapping key"),
        ({"classification": {"type": "spam"}}, "fields: must be a JSON object"),
        ({"classification": {"type": "spam"}, "fields": {"source.ipaddr": "ip"}}, "fields.source.ipaddr: not a harmonized field"),
        ({"classification": {"type": "spam"}, "fields": {"raw": "line"}}, "fields.raw: filled by the parser"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": ""}}, "fields.source.ip: must name a column"),
        ({"fields": {"source.ip": "ip"}}, "classification.type: give the type"),
        ({"classification": {"taxonomy": "bad-stuff", "type": "spam"}, "fields": {"source.ip": "ip"}}, "classification.taxonomy: “bad-stuff” is not an RSIT class"),
        ({"classification": {"type": "evil"}, "fields": {"source.ip": "ip"}}, "classification.type: “evil” is not an RSIT type"),
        ({"classification": {"taxonomy": "fraud", "type": "spam"}, "fields": {"source.ip": "ip"}}, "classification.type: “spam” is not a type of the class “fraud”"),
        ({"classification": {"type": "spam", "colour": "x"}, "fields": {"source.ip": "ip"}}, "classification.colour: not a classification key"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip", "classification.type": "k"}}, "classification.type: fixed here and mapped in fields"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip", "classification.taxonomy": "k"}}, "fields.classification.taxonomy: the fixed type brings its class"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "delimiter": ";;"}, "delimiter: must be one character"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "delimiter": "\n"}, "delimiter: must be one character"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "quote": ","}, "quote: must differ from the delimiter"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "has_header": "yes"}, "has_header: must be true or false"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "has_header": False}, "columns: name the columns"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "columns": ["ip"]}, "columns: only for a report without a header"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "has_header": False, "columns": ["addr"]}, "fields.source.ip: column “ip” is not in columns"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "has_header": False, "columns": ["ip", "ip"]}, "columns: a name is given twice"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "extra": "note"}, "extra: must be a list of names"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "time_format": "iso"}, "time_format: must be a strftime format"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "time_format": "%H"}, "time_format: not usable"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "comment_prefix": ""}, "comment_prefix: must be text"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "records": 3}, "records: must be a dotted path"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "constants": {"source.ip": "x"}}, "constants.source.ip: also mapped in fields"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "constants": {"source.port": "http"}}, "constants.source.port: not a port number"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "constants": {"classification.type": "spam"}}, "constants.classification.type: set it under “classification”"),
        ({"classification": {"type": "spam"}, "fields": {"source.ip": "ip"}, "constants": {"feed.code": ["a"]}}, "constants.feed.code: must be a string, number or boolean"),
    ],
)  # fmt: skip
def test_mapping_errors_name_the_key(mapping: object, message: str) -> None:
    errors = mapping_errors(mapping)
    assert any(message in error for error in errors), errors


def test_usable_mappings_have_no_errors() -> None:
    assert mapping_errors(C2_MAPPING) == []
    assert mapping_errors(JSON_MAPPING) == []
    assert (
        mapping_errors({"classification": {"type": "blacklist"}, "fields": {"source.ip": "ip"}})
        == []
    )


def test_every_problem_is_listed_and_the_parsers_refuse_the_mapping() -> None:
    bad = {"fields": {"nope": 1}, "delimiter": "", "has_header": 1}
    assert len(mapping_errors(bad)) == 4  # fields.nope, classification.type, delimiter, has_header
    with pytest.raises(ValueError, match=r"fields\.nope: not a harmonized field"):
        parse_mapped_csv(b"a\n1\n", bad, observation_time=SEEN)
    with pytest.raises(ValueError, match="The field mapping is not usable"):
        parse_mapped_json(b"[]", bad, observation_time=SEEN)


def test_registry_reads_mapped_kinds_with_the_mapping() -> None:
    result = registry.parse_whole(
        ParserKind.MAPPED_CSV, C2_CSV, observation_time=SEEN, mapping=C2_MAPPING
    )
    assert result.events.height == 2
    with pytest.raises(ValueError, match="not usable"):
        registry.parse_whole(ParserKind.MAPPED_JSON, b"[]", observation_time=SEEN, mapping={})
    with pytest.raises(ValueError, match="no whole-file parser for 'shadowserver'"):
        registry.parse_whole(ParserKind.SHADOWSERVER, b"", observation_time=SEEN, mapping={})


def test_registry_covers_every_whole_file_parser_kind() -> None:
    assert set(ParserKind.values) - {ParserKind.SHADOWSERVER} == registry.WHOLE_FILE_KINDS


# --- Property tests ------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
PLAUSIBLE = (
    st.ip_addresses().map(str)
    | st.integers(-1, 70000)
    | st.sampled_from(["2024-03-01T00:00:00Z", "1709251200", "c2-server", "", " ", "x", "AS1"])
    | JSON_VALUES
)
SOURCES = ["ip", "port", "seen", "kind", "a.b", "0"]
FIELD_NAMES = st.sampled_from(
    ["source.ip", "source.port", "time.source", "classification.type", "source.asn",
     "source.geolocation.latitude", "extra.x", "feed.accuracy", "source.network", "nope", "raw"]
)  # fmt: skip
MAPPINGS = st.fixed_dictionaries(
    {},
    optional={
        "classification": st.fixed_dictionaries(
            {}, optional={k: st.sampled_from(["spam", "fraud", "c2-server", "x", ""]) | JSON_VALUES for k in ("taxonomy", "type", "identifier")}
        )
        | JSON_VALUES,
        "fields": st.dictionaries(FIELD_NAMES, st.sampled_from(SOURCES) | JSON_VALUES, max_size=5),
        "constants": st.dictionaries(FIELD_NAMES, PLAUSIBLE, max_size=3) | JSON_VALUES,
        "extra": st.lists(st.sampled_from(SOURCES), max_size=3) | JSON_VALUES,
        "time_format": st.sampled_from(["%Y-%m-%d", "%s", "%H", "%Y%z", "%", "%Q"]) | JSON_VALUES,
        "delimiter": st.sampled_from([",", ";", "\t", "|", '"', "", "ab", "\n"]) | JSON_VALUES,
        "quote": st.sampled_from(['"', "'", ","]),
        "comment_prefix": st.sampled_from(["#", "//", None, ""]) | JSON_VALUES,
        "has_header": st.booleans() | JSON_VALUES,
        "columns": st.lists(st.sampled_from(SOURCES), max_size=6) | JSON_VALUES,
        "records": st.sampled_from(["data", "a.b", "0"]) | JSON_VALUES,
    },
)  # fmt: skip
CSV_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=MAPPINGS | JSON_VALUES, data=st.binary(max_size=200) | CSV_TEXT.map(str.encode))
def test_any_mapping_and_report_give_errors_a_result_or_a_value_error(
    mapping: object, data: bytes
) -> None:
    errors = mapping_errors(mapping)
    assert all(isinstance(error, str) and error for error in errors)
    for parse in (parse_mapped_csv, parse_mapped_json):
        try:
            result = parse(data, mapping, observation_time=SEEN)  # type: ignore[arg-type]
        except ValueError:
            continue
        assert not errors
        assert_well_formed(result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        # One line per record: a value with a line break would be two lines (the parser reads
        # line by line and quarantines both halves; the count here is of lines).
        st.lists(
            PLAUSIBLE.map(str).filter(lambda v: "\n" not in v and "\r" not in v),
            min_size=4,
            max_size=6,
        ).map(lambda values: ",".join(f'"{v}"' if "," in v else v for v in values))
        | CSV_TEXT.filter(lambda t: "\n" not in t and "\r" not in t),
        max_size=8,
    )
)
def test_csv_accounts_for_every_data_line(lines: list[str]) -> None:
    mapping = {
        "fields": {"source.ip": "ip", "source.port": "port", "time.source": "seen", "classification.type": "kind"},
        "extra": ["note"],
        "comment_prefix": "#",
    }  # fmt: skip
    data = ("ip,port,seen,kind,note\n" + "\n".join(lines)).encode()
    records = sum(
        1 for line in lines if line.strip(" \t") and not line.lstrip(" \t").startswith("#")
    )
    result = parse_mapped_csv(data, mapping, observation_time=SEEN)
    assert_well_formed(result, records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {}, optional={"ip": PLAUSIBLE, "port": PLAUSIBLE, "seen": PLAUSIBLE, "a": JSON_VALUES}
        )
        | JSON_VALUES,
        max_size=8,
    )
)
def test_json_accounts_for_every_record(records: list[object]) -> None:
    mapping = {
        "classification": {"type": "c2-server"},
        "fields": {"source.ip": "ip", "source.port": "port", "time.source": "seen", "source.fqdn": "a.b"},
        "extra": ["a"],
        "records": "data",
    }  # fmt: skip
    result = parse_mapped_json(
        json.dumps({"data": records}).encode(), mapping, observation_time=SEEN
    )
    assert_well_formed(result, len(records))


# --- Through the pipeline ------------------------------------------------------------------------


def process(feed: Any, data: bytes, name: str) -> Any:
    """Receive a report for ``feed`` and run its processing job; the report afterwards."""
    from siaga.feeds import actions
    from siaga.feeds.choices import ReportSource
    from siaga.jobs.actions import claim_job
    from siaga.jobs.choices import JobStatus
    from siaga.jobs.models import Job
    from siaga.jobs.runner import execute_job

    report, created = actions.do_receive_report(feed, [data], name, source=ReportSource.CLI)
    assert created
    for job in Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED):
        claimed = claim_job(job.pk)
        assert claimed is not None
        execute_job(claimed)
    report.refresh_from_db()
    return report


def test_a_mapped_csv_report_is_processed_into_stored_events(
    db: Any, settings: Any, tmp_path: Any
) -> None:
    from siaga.events.models import Event
    from siaga.feeds.choices import FeedReportStatus
    from siaga.feeds.models import Feed, QuarantinedRow

    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    feed = Feed.objects.create(name="Partner C2", parser=ParserKind.MAPPED_CSV, mapping=C2_MAPPING)
    report = process(feed, C2_CSV, "c2.csv")
    assert report.status == FeedReportStatus.DONE
    assert (report.rows_read, report.events_stored, report.rows_quarantined) == (6, 2, 4)
    event = Event.objects.get(source_ip="198.51.100.7")
    assert (event.feed_name, event.source_port, event.classification_type) == (
        "Partner C2 list",
        443,
        "c2-server",
    )
    assert event.extra == {"note": "first", "status": "online"}
    assert (
        QuarantinedRow.objects.get(report=report, row=3).reason
        == "source.ip (column “ip”): not an IP address"
    )


def test_a_mapped_json_report_is_processed_into_stored_events(
    db: Any, settings: Any, tmp_path: Any
) -> None:
    from siaga.events.models import Event
    from siaga.feeds.models import Feed

    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    feed = Feed.objects.create(
        name="Partner URLs", parser=ParserKind.MAPPED_JSON, mapping=JSON_MAPPING
    )
    document = {
        "data": {"items": [{"attributes": {"url": "http://dl.example/a.exe"}, "seen": 1709251200}]}
    }
    report = process(feed, orjson.dumps(document), "urls.json")
    assert (report.rows_read, report.events_stored) == (1, 1)
    event = Event.objects.get(source_url="http://dl.example/a.exe")
    assert event.time_source == datetime(2024, 3, 1, tzinfo=UTC)
    assert event.classification_taxonomy == "malicious-code"
    # The mapping names no feed: the events carry the feed's own name.
    assert event.feed_name == "Partner URLs"
