"""The Shadowserver engine on small reports written here: the table, the two reading paths,
conversions, quarantine and ``extra`` (the shipped table and the real samples: other modules)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.feeds import harmonized
from siaga.feeds.parsers import shadowserver
from siaga.feeds.parsers.shadowserver import ChunkParser, SchemaError

OBSERVED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ENTRY = {
    "feed_name": "Open-Example",
    "file_name": "scan_example",
    "constant_fields": {
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "classification.identifier": "open-example",
    },
    "required_fields": [
        ["time.source", "timestamp", "add_UTC_to_timestamp"],
        ["source.ip", "ip", "validate_ip"],
        ["source.port", "port", "convert_int"],
    ],
    "optional_fields": [
        ["source.asn", "asn", "invalidate_zero"],
        ["source.reverse_dns", "hostname", "validate_fqdn"],
        ["extra.", "vulnerable", "convert_bool"],
        ["extra.", "banner"],
    ],
}
HEADER = "timestamp,ip,port,asn,hostname,vulnerable,banner,unknown_column"


@pytest.fixture
def report_type(tmp_path: Path) -> shadowserver.ReportType:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"scan_example": ENTRY}))
    return shadowserver.load_schema(path)["scan_example"]


def parse(report_type: shadowserver.ReportType, *lines: str) -> shadowserver.ParseResult:
    data = "\n".join([HEADER, *lines]).encode()
    return shadowserver.parse_report(
        data, "2026-11-30-scan_example.csv", report_type=report_type, observation_time=OBSERVED
    )


def extras(result: shadowserver.ParseResult) -> list[dict | None]:
    texts = harmonized.extra_to_json(result.events).get_column("extra").to_list()
    return [json.loads(text) if text else None for text in texts]


def test_a_good_row_becomes_a_harmonized_event(report_type):
    result = parse(
        report_type,
        '"2026-11-29 06:37:00",192.0.2.10,21,64500,Host.Example.ORG.,Y,"220 ready, hello",',
    )
    assert result.quarantine == []
    row = result.events.row(0, named=True)
    assert row["time.source"] == datetime(2026, 11, 29, 6, 37, tzinfo=UTC)
    assert row["time.observation"] == OBSERVED
    assert (row["source.ip"], row["source.port"], row["source.asn"]) == ("192.0.2.10", 21, 64500)
    assert row["source.reverse_dns"] == "host.example.org"
    assert row["classification.identifier"] == "open-example"
    assert (row["feed.name"], row["feed.provider"]) == ("Open-Example", "Shadowserver")
    assert row["_row"] == 1
    # A column the table does not know is kept too (here empty, so absent).
    assert extras(result) == [{"vulnerable": True, "banner": "220 ready, hello"}]


def test_every_column_the_table_does_not_name_goes_to_extra(report_type):
    result = parse(report_type, "2026-11-29 06:37:00,192.0.2.10,21,,,,,surprise")
    assert extras(result) == [{"unknown_column": "surprise"}]


def test_long_rows_are_quarantined_and_short_ones_padded(report_type):
    result = parse(
        report_type,
        "2026-11-29 06:37:00,192.0.2.10,21",
        "2026-11-29 06:37:00,192.0.2.11,21,1,h.example,N,b,u,one too many",
        "2026-11-29 06:37:00,192.0.2.12,21,1,h.example,N,b,u",
        "2026-11-29 06:37:00,192.0.2.13",
    )
    # A row without its last columns (a report older than its header) lacks only those values.
    assert result.events.get_column("source.ip").to_list() == ["192.0.2.10", "192.0.2.12"]
    assert result.events.get_column("source.port").to_list() == [21, 21]
    assert result.events.get_column("_row").to_list() == [1, 3]
    assert [(q.row, q.reason, q.raw) for q in result.quarantine] == [
        (
            2,
            "9 fields where the header has a different number",
            "2026-11-29 06:37:00,192.0.2.11,21,1,h.example,N,b,u,one too many",
        ),
        (4, "port: missing", "2026-11-29 06:37:00,192.0.2.13"),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("yesterday,192.0.2.10,21,,,,,", "timestamp: cannot be read"),
        (",192.0.2.10,21,,,,,", "timestamp: missing"),
        ("2026-11-29 06:37:00,192.0.2.300,21,,,,,", "ip: cannot be read"),
        ("2026-11-29 06:37:00,010.0.0.1,21,,,,,", "ip: cannot be read"),
        ("2026-11-29 06:37:00,192.0.2.10,http,,,,,", "port: cannot be read"),
        ("2026-11-29 06:37:00,,,,,,,", "ip: missing; port: missing"),
    ],
)
def test_a_required_field_that_cannot_be_read_quarantines_its_row(report_type, line, reason):
    result = parse(report_type, line)
    assert result.events.height == 0
    assert [(q.row, q.reason, q.raw) for q in result.quarantine] == [(1, reason, line)]


def test_optional_values_that_do_not_convert_are_kept_as_text(report_type):
    result = parse(report_type, "2026-11-29 06:37:00,192.0.2.10,21,AS-BAD,not a host!,maybe,,")
    row = result.events.row(0, named=True)
    assert row["source.asn"] is None and row["source.reverse_dns"] is None
    assert extras(result) == [
        {"asn": "AS-BAD", "hostname": "not a host!", "vulnerable_text": "maybe"}
    ]


def test_zero_asn_means_none_and_ipv6_is_canonical(report_type):
    result = parse(report_type, "2026-11-29T06:37:00Z,2001:DB8:0:0::1,443,0,,,,")
    row = result.events.row(0, named=True)
    assert row["source.ip"] == "2001:db8::1"
    assert row["source.asn"] is None
    assert row["time.source"] == datetime(2026, 11, 29, 6, 37, tzinfo=UTC)


def test_the_careful_path_reads_crlf_blank_lines_and_bad_bytes(report_type):
    data = (
        HEADER.encode()
        + b"\r\n2026-11-29 06:37:00,192.0.2.10,21,,,,,\r\n\r\n"
        + b"2026-11-29 06:37:00,192.0.2.11,21,,,,caf\xe9,\r\n"
        + b'2026-11-29 06:37:00,192.0.2.12,21,,,,"open quote,\r\n'
    )
    result = shadowserver.parse_report(
        data, "scan_example.csv", report_type=report_type, observation_time=OBSERVED
    )
    assert result.events.get_column("source.ip").to_list() == ["192.0.2.10"]
    assert result.events.get_column("_row").to_list() == [1]
    assert [(q.row, q.reason) for q in result.quarantine] == [
        (3, "the line is not valid UTF-8"),
        (4, "unbalanced quotes"),
    ]


def test_chunks_number_their_rows_from_where_they_start(report_type):
    parser = ChunkParser(report_type, HEADER, observation_time=OBSERVED)
    result = parser.parse(b"2026-11-29 06:37:00,192.0.2.10,21,,,,,\nbad\n", first_row=1001)
    assert result.events.get_column("_row").to_list() == [1001]
    assert [q.row for q in result.quarantine] == [1002]


def test_a_report_without_a_required_column_is_refused_whole(report_type):
    with pytest.raises(ValueError, match="no column port"):
        ChunkParser(report_type, "timestamp,ip,asn")


def test_a_header_must_name_each_column_once(report_type):
    with pytest.raises(ValueError, match="every column once"):
        ChunkParser(report_type, "timestamp,ip,port,ip")


def test_the_longest_matching_report_key_wins():
    schema = {
        key: shadowserver.ReportType(key, key, {}, (), ())
        for key in ("scan_http", "scan_http_vulnerable", "event4_sinkhole")
    }
    found = shadowserver.detect_report("2026-11-29-scan_http_vulnerable-asn.csv", schema)
    assert found is not None and found.key == "scan_http_vulnerable"
    assert shadowserver.detect_report("2026-11-29-scan_ftp.csv", schema) is None


def test_bad_table_entries_are_left_out_with_the_reason(tmp_path):
    path = tmp_path / "schema.json"
    broken = {**ENTRY, "file_name": "scan_broken", "optional_fields": [["not.a.field", "x"]]}
    odd = {**ENTRY, "file_name": "scan_odd", "required_fields": [["source.ip", "ip", "rot13"]]}
    path.write_text(json.dumps({"good": ENTRY, "broken": broken, "odd": odd}))
    loaded = shadowserver.read_schema(path)
    assert list(loaded.types) == ["scan_example"]
    assert loaded.problems == (
        "report 'broken', optional_fields #1: unknown field 'not.a.field'",
        "report 'odd', required_fields #1: unknown conversion 'rot13'",
    )


def test_an_unreadable_table_is_an_error(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text("[1, 2")
    with pytest.raises(SchemaError, match="cannot read the Shadowserver schema"):
        shadowserver.read_schema(path)


def test_extra_json_escapes_values_and_leaves_out_empty_ones():
    frame = pl.DataFrame(
        {"extra": [{"a": None, "b": 'say "hi"\n', "c": 3}, {"a": None, "b": None, "c": None}]}
    )
    texts = harmonized.extra_to_json(frame).get_column("extra").to_list()
    assert json.loads(texts[0]) == {"b": 'say "hi"\n', "c": 3}
    assert texts[1] is None


_field = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_field, min_size=0, max_size=10), min_size=1, max_size=8))
def test_any_rows_come_out_as_events_or_quarantined_never_lost(report_type, rows):
    lines = [",".join(fields) for fields in rows]
    data = "\n".join([HEADER, *lines]).encode()
    result = shadowserver.parse_report(
        data, "scan_example.csv", report_type=report_type, observation_time=OBSERVED
    )
    records = [line for line in data.decode().split("\n")[1:] if line.replace("\r", "")]
    assert result.total == len(records)
    assert result.events.get_column("source.ip").null_count() == 0
    assert sorted(
        [*result.events.get_column("_row").to_list(), *(q.row for q in result.quarantine)]
    ) == sorted({*result.events.get_column("_row").to_list(), *(q.row for q in result.quarantine)})


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_any_bytes_after_the_header_never_crash_the_parser(report_type, body):
    data = HEADER.encode() + b"\n" + body
    try:
        result = shadowserver.parse_report(
            data, "scan_example.csv", report_type=report_type, observation_time=OBSERVED
        )
    except ValueError:
        return  # a clear refusal (quoting the reader could not follow) is allowed
    lines = [ln for ln in data.split(b"\n")[1:] if ln.replace(b"\r", b"")]
    assert result.total == len(lines)


def test_optional_columns_the_report_lacks_are_simply_absent(report_type):
    parser = ChunkParser(report_type, "timestamp,ip,port,new_column", observation_time=OBSERVED)
    result = parser.parse(b"2026-11-29 06:37:00,192.0.2.10,21,x\n", first_row=1)
    assert result.events.get_column("source.asn").to_list() == [None]
    assert harmonized.extra_to_json(result.events).get_column("extra").to_list() == [
        '{"new_column":"x"}'
    ]
