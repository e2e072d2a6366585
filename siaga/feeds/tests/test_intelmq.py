"""IntelMQ JSON lines as a feed: events written the way IntelMQ's file output writes them (a
Shadowserver scan event and abuse.ch URLhaus events, from IntelMQ's documented event format), the
forms ``extra`` takes, a round trip through the export format, quarantine reasons, and property
tests that feed the parser arbitrary bytes and arbitrary JSON."""

from __future__ import annotations

import base64
import ipaddress
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.feeds import harmonized
from siaga.feeds.choices import ParserKind
from siaga.feeds.parsers import intelmq
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.intelmq import parse_intelmq_jsonl

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)
SEEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SMB_CSV_LINE = (
    '"2024-04-30 00:00:00",192.0.2.10,445,node01.example.com,smb,64512,ID,"DKI Jakarta",'
    'Jakarta,0,0,N,,,N,2,1,0,"SMB 2.1"'
)
# A Shadowserver Open-SMB scan event as IntelMQ 3 writes it (its message type included, as
# ``to_json(with_type=True)`` does).
SHADOWSERVER_SMB: dict[str, Any] = {
    "__type": "Event",
    "feed.accuracy": 100.0,
    "feed.name": "Shadowserver Open-SMB",
    "feed.provider": "Shadowserver",
    "feed.url": "https://dl.shadowserver.org/reports/2024-04-30-scan_smb-indonesia.csv",
    "feed.documentation": "https://www.shadowserver.org/what-we-do/network-reporting/open-smb-report/",
    "time.observation": "2024-05-01T06:00:03.512870+00:00",
    "time.source": "2024-04-30T00:00:00+00:00",
    "source.ip": "192.0.2.10",
    "source.port": 445,
    "source.reverse_dns": "node01.example.com",
    "source.asn": 64512,
    "source.geolocation.cc": "ID",
    "source.geolocation.region": "DKI Jakarta",
    "source.geolocation.city": "Jakarta",
    "protocol.application": "smb",
    "protocol.transport": "tcp",
    "classification.taxonomy": "vulnerable",
    "classification.type": "vulnerable-system",
    "classification.identifier": "open-smb",
    "extra.tag": "smb",
    "extra.naics": 0,
    "extra.sic": 0,
    "extra.smb_implant": False,
    "extra.smbv1_support": "N",
    "extra.smb_major_number": "2",
    "extra.smb_minor_number": "1",
    "extra.smb_revision": "0",
    "extra.smb_version_string": "SMB 2.1",
    "raw": b64(SMB_CSV_LINE),
}
URLHAUS_CSV_LINE = (
    '"2633011","2023-05-31 09:48:05","http://198.51.100.23:37352/bin.sh","online",'
    '"2023-05-31 09:48:05","malware_download","32-bit,elf,mips,Mozi",'
    '"https://urlhaus.abuse.ch/url/2633011/","geenensp"'
)
# abuse.ch URLhaus events as IntelMQ's URLhaus parser and its experts write them: one on an IP
# address with the ASN and country added, one on a host name with IntelMQ fields Siaga has no
# column for (``source.urlpath``, ``source.tor_node``), and that one written with ``extra`` as one
# JSON string, as IntelMQ's SQL output stores it.
URLHAUS_BY_IP: dict[str, Any] = {
    "feed.name": "URLhaus",
    "feed.provider": "abuse.ch",
    "feed.url": "https://urlhaus.abuse.ch/feeds/country/ID/",
    "time.observation": "2023-05-31T10:00:00+00:00",
    "time.source": "2023-05-31T09:48:05+00:00",
    "source.url": "http://198.51.100.23:37352/bin.sh",
    "source.ip": "198.51.100.23",
    "source.port": 37352,
    "source.asn": 64496,
    "source.as_name": "EXAMPLE-AS",
    "source.geolocation.cc": "ID",
    "status": "online",
    "event_description.url": "https://urlhaus.abuse.ch/url/2633011/",
    "classification.taxonomy": "malicious-code",
    "classification.type": "malware-distribution",
    "extra.urlhaus.threat_type": "malware_download",
    "extra.tags": ["32-bit", "elf", "mips", "Mozi"],
    "extra.reporter": "geenensp",
    "raw": b64(URLHAUS_CSV_LINE),
}
URLHAUS_BY_NAME: dict[str, Any] = {
    "feed.name": "URLhaus",
    "feed.provider": "abuse.ch",
    "time.observation": "2023-05-31T10:00:00+00:00",
    "time.source": "2023-05-31T16:47:01+07:00",
    "source.url": "https://files.example.com/invoice.exe",
    "source.fqdn": "files.example.com",
    "source.urlpath": "/invoice.exe",
    "source.tor_node": False,
    "status": "offline",
    "classification.taxonomy": "malicious-code",
    "classification.type": "malware-distribution",
    "malware.name": "remcosrat",
    "extra": json.dumps({"tags": ["exe", "RemcosRAT"], "reporter": "abuse_ch"}),
}


def jsonl(*records: dict[str, Any]) -> bytes:
    """Lines as IntelMQ's file output writes them (``json.dumps`` with ``ensure_ascii=False``)."""
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode() + b"\n"


def parse(data: bytes) -> ParseResult:
    return parse_intelmq_jsonl(data, observation_time=SEEN)


def event(result: ParseResult, row: int) -> dict[str, Any]:
    [found] = result.events.filter(pl.col("_row") == row).to_dicts()
    return found


def extra_of(found: dict[str, Any]) -> dict[str, Any]:
    return json.loads(found["extra"]) if found["extra"] else {}


def reasons(result: ParseResult) -> dict[int, str]:
    return {q.row: q.reason for q in result.quarantine}


def assert_well_formed(result: ParseResult, records: int) -> None:
    """The invariants of every parse: harmonized columns, every record accounted for exactly once,
    ``extra`` a JSON object, ``raw`` base64, required fields filled, every reason said."""
    assert result.events.schema == pl.Schema({**harmonized.FIELDS, "_row": pl.Int64()})
    rows = sorted([*result.events["_row"].to_list(), *(q.row for q in result.quarantine)])
    assert rows == list(range(1, records + 1))
    for extra in result.events["extra"].drop_nulls():
        assert isinstance(orjson.loads(extra), dict)
    for raw in result.events["raw"]:
        base64.b64decode(raw, validate=True)
    for field in harmonized.REQUIRED:
        assert result.events[field].null_count() == 0, field
    assert all(q.reason for q in result.quarantine)


def export_lines(events: pl.DataFrame) -> bytes:
    """Events in the format the events app exports to IntelMQ: one object per event, flat dotted
    keys, no nulls, times ISO 8601 in UTC, the ``extra`` object flattened into ``extra.<key>``."""
    lines = []
    for found in harmonized.extra_to_json(events).to_dicts():
        line: dict[str, Any] = {}
        for name, value in found.items():
            if value is None or name not in harmonized.FIELDS:
                continue
            if name == "extra":
                line.update({f"extra.{key}": item for key, item in json.loads(value).items()})
            else:
                line[name] = value.isoformat() if isinstance(value, datetime) else value
        lines.append(json.dumps(line, ensure_ascii=False))
    return "\n".join(lines).encode()


def comparable(events: pl.DataFrame, *, without: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Events as dicts with ``extra`` decoded, so two frames compare by value, not JSON spelling."""
    rows = harmonized.extra_to_json(events).drop("_row", *without).to_dicts()
    return [
        {
            **{k: v for k, v in row.items() if k in harmonized.FIELDS},
            "extra": json.loads(row["extra"]) if row["extra"] else None,
        }
        for row in rows
    ]


# --- Realistic events ----------------------------------------------------------------------------


def test_shadowserver_scan_event_maps_every_field() -> None:
    result = parse(jsonl(SHADOWSERVER_SMB))
    assert_well_formed(result, 1)
    assert result.quarantine == []
    found = event(result, 1)
    for field in (
        "feed.name",
        "feed.provider",
        "feed.url",
        "feed.accuracy",
        "source.ip",
        "source.port",
        "source.reverse_dns",
        "source.asn",
        "source.geolocation.cc",
        "source.geolocation.region",
        "source.geolocation.city",
        "protocol.application",
        "protocol.transport",
        "classification.taxonomy",
        "classification.type",
        "classification.identifier",
        "raw",
    ):
        assert found[field] == SHADOWSERVER_SMB[field], field
    assert found["time.source"] == datetime(2024, 4, 30, tzinfo=UTC)
    assert found["time.observation"] == datetime(2024, 5, 1, 6, 0, 3, 512870, tzinfo=UTC)
    assert base64.b64decode(found["raw"]).decode() == SMB_CSV_LINE
    # IntelMQ's feed.documentation has no column: kept in extra under its name, not dropped.
    assert extra_of(found) == {
        "feed.documentation": SHADOWSERVER_SMB["feed.documentation"],
        "tag": "smb",
        "naics": 0,
        "sic": 0,
        "smb_implant": False,
        "smbv1_support": "N",
        "smb_major_number": "2",
        "smb_minor_number": "1",
        "smb_revision": "0",
        "smb_version_string": "SMB 2.1",
    }


def test_urlhaus_events_keep_fields_and_extra_in_any_form() -> None:
    result = parse(jsonl(URLHAUS_BY_IP, URLHAUS_BY_NAME))
    assert_well_formed(result, 2)
    assert result.quarantine == []
    by_ip, by_name = event(result, 1), event(result, 2)
    assert by_ip["source.ip"] == "198.51.100.23"
    assert by_ip["source.port"] == 37352
    assert by_ip["source.asn"] == 64496
    assert by_ip["source.url"] == "http://198.51.100.23:37352/bin.sh"
    assert by_ip["event_description.url"] == "https://urlhaus.abuse.ch/url/2633011/"
    assert by_ip["status"] == "online"
    assert by_ip["time.source"] == datetime(2023, 5, 31, 9, 48, 5, tzinfo=UTC)
    assert extra_of(by_ip) == {
        "urlhaus.threat_type": "malware_download",
        "tags": ["32-bit", "elf", "mips", "Mozi"],
        "reporter": "geenensp",
    }
    assert by_name["source.ip"] is None
    assert by_name["source.fqdn"] == "files.example.com"
    assert by_name["malware.name"] == "remcosrat"
    assert by_name["time.source"] == datetime(2023, 5, 31, 9, 47, 1, tzinfo=UTC)  # +07:00 → UTC
    assert extra_of(by_name) == {
        "source.urlpath": "/invoice.exe",
        "source.tor_node": False,
        "tags": ["exe", "RemcosRAT"],
        "reporter": "abuse_ch",
    }
    # Without a raw of its own, an event keeps its line.
    assert json.loads(base64.b64decode(by_name["raw"])) == URLHAUS_BY_NAME


def test_no_value_of_a_line_is_dropped() -> None:
    """Every key of every sample line is a column with its value or a key of extra."""
    records = [SHADOWSERVER_SMB, URLHAUS_BY_IP, URLHAUS_BY_NAME]
    result = parse(jsonl(*records))
    for row, record in enumerate(records, start=1):
        found = event(result, row)
        extra = extra_of(found)
        for key, value in record.items():
            if key == "__type":
                continue
            if key == "extra":
                assert json.loads(value).items() <= extra.items()
            elif key.startswith("extra."):
                assert extra[key.removeprefix("extra.")] == value
            elif key in harmonized.FIELDS:
                assert found[key] is not None, key
            else:
                assert extra[key] == value, key


def test_the_three_forms_of_extra_and_hierarchical_output_read_the_same() -> None:
    flat = {"feed.name": "Partner", "source.ip": "192.0.2.1", "extra.a": 1, "extra.b": ["x"]}
    as_object = {"feed.name": "Partner", "source.ip": "192.0.2.1", "extra": {"a": 1, "b": ["x"]}}
    as_text = {"feed.name": "Partner", "source.ip": "192.0.2.1", "extra": '{"a": 1, "b": ["x"]}'}
    nested = {
        "feed": {"name": "Partner"},
        "source": {"ip": "192.0.2.1"},
        "extra": as_object["extra"],
    }
    result = parse(jsonl(flat, as_object, as_text, nested))
    assert result.quarantine == []
    found = comparable(result.events, without=("raw",))
    assert found[0]["extra"] == {"a": 1, "b": ["x"]}
    assert found == [found[0]] * 4


def hierarchical(record: dict[str, Any]) -> dict[str, Any]:
    """A flat event as IntelMQ's ``hierarchical_output`` writes it: every key split at its dots."""
    nested: dict[str, Any] = {}
    for key, value in record.items():
        *parents, last = key.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return nested


def test_hierarchical_output_of_a_whole_event() -> None:
    nested = hierarchical(SHADOWSERVER_SMB)
    assert nested["source"]["geolocation"]["cc"] == "ID"
    flat, unnested = parse(jsonl(SHADOWSERVER_SMB)), parse(jsonl(nested))
    assert unnested.quarantine == []
    assert comparable(unnested.events) == comparable(flat.events)


def test_a_dotted_extra_key_in_hierarchical_output_stays_an_object() -> None:
    """IntelMQ splits extra keys at their dots too, and ``{"urlhaus": {"threat_type": ...}}`` may
    have been either; the object is kept as it stands (nothing lost, the shape the line has)."""
    result = parse(jsonl(hierarchical(URLHAUS_BY_IP)))
    assert result.quarantine == []
    assert extra_of(event(result, 1))["urlhaus"] == {"threat_type": "malware_download"}


def test_defaults_for_what_a_line_leaves_out() -> None:
    lines = [
        {"source.ip": "192.0.2.7"},
        {"classification.type": "c2-server"},
        {"classification.type": "unauthorized-use-of-resources"},  # IntelMQ's spelling
        {"classification.type": "tor"},
        {"classification.type": "something-new"},
        {"classification.type": "phishing", "classification.taxonomy": "abusive-content"},
        {"feed.name": "Partner CERT", "time.observation": "2024-04-01T00:00:00+00:00"},
    ]
    result = parse(jsonl(*lines))
    assert_well_formed(result, len(lines))
    assert result.events.select("classification.taxonomy", "classification.type").rows() == [
        ("other", "undetermined"),
        ("malicious-code", "c2-server"),
        ("fraud", "unauthorized-use-of-resources"),
        ("other", "tor"),
        ("other", "something-new"),
        ("abusive-content", "phishing"),  # a taxonomy the line gives is kept
        ("other", "undetermined"),
    ]
    assert result.events["feed.name"].to_list() == ["IntelMQ"] * 6 + ["Partner CERT"]
    assert result.events["feed.provider"].null_count() == len(lines)
    assert result.events["time.observation"].to_list() == [SEEN] * 6 + [
        datetime(2024, 4, 1, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00+00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.5+00:00", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2024-05-01T19:00:00+07:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T08:30:00-03:30", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),  # no offset: UTC
        ("2024-05-01 12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T19:00:00+0700", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456789Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-01-01T03:00:00+07:00", datetime(2023, 12, 31, 20, tzinfo=UTC)),
        (" 2024-05-01T12:00:00+00:00 ", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_times_are_read_as_iso_8601_and_stored_in_utc(text: str, expected: datetime) -> None:
    result = parse(jsonl({"time.source": text}))
    assert result.quarantine == []
    assert event(result, 1)["time.source"] == expected


def test_values_are_converted_to_their_columns() -> None:
    line = {
        "source.ip": " 2001:DB8:0:0::1 ",
        "destination.ip": "192.0.2.1",
        "source.local_ip": "10.0.0.1",
        "source.port": "8080",
        "destination.port": 0,
        "source.asn": "AS64512",
        "destination.asn": 4294967295,
        "source.network": "192.0.2.77/24",
        "feed.accuracy": "50",
        "source.geolocation.latitude": -6.2,
        "source.geolocation.longitude": 106,
        "classification.identifier": 445,  # a number where text belongs: kept as its text
        "source.fqdn": "",  # empty: no value
    }
    result = parse(jsonl(line))
    assert result.quarantine == []
    found = event(result, 1)
    assert found["source.ip"] == "2001:db8::1"
    assert found["destination.ip"] == "192.0.2.1"
    assert found["source.local_ip"] == "10.0.0.1"
    assert (found["source.port"], found["destination.port"]) == (8080, 0)
    assert (found["source.asn"], found["destination.asn"]) == (64512, 4294967295)
    assert found["source.network"] == "192.0.2.0/24"
    assert found["feed.accuracy"] == 50.0
    assert found["source.geolocation.latitude"] == -6.2
    assert found["source.geolocation.longitude"] == 106.0
    assert found["classification.identifier"] == "445"
    assert found["source.fqdn"] is None


def test_raw_is_kept_as_base64_and_plain_text_is_encoded() -> None:
    result = parse(
        jsonl(
            {"raw": b64("a,b,c")},
            {"raw": "a,b,c"},  # IntelMQ encodes a raw value that is not base64
            {"raw": "YSxi\nLGM="},  # base64 wrapped over lines
        )
    )
    assert [base64.b64decode(raw) for raw in result.events["raw"]] == [b"a,b,c"] * 3


# --- Quarantine ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"not json", "line is not JSON"),
        (b'{"source.ip": "192.0.2.1"', "line is not JSON"),
        (b"[1, 2]", "line is not a JSON object (it is an array)"),
        (b'"text"', "line is not a JSON object (it is a string)"),
        (b'{"source.ip": "192.0.2.300"}', "source.ip: not an IP address"),
        (b'{"source.ip": 3221225985}', "source.ip: wrong type, expected an IP address as a string"),
        (b'{"destination.ip": "example.com"}', "destination.ip: not an IP address"),
        (b'{"source.port": 70000}', "source.port: not a port number (0-65535)"),
        (b'{"source.port": -1}', "source.port: not a port number (0-65535)"),
        (b'{"source.port": "http"}', "source.port: not a port number (0-65535)"),
        (b'{"source.port": 443.5}', "source.port: wrong type, expected an integer"),
        (b'{"source.port": true}', "source.port: wrong type, expected an integer"),
        (b'{"source.asn": 4294967296}', "source.asn: not an AS number (0-4294967295)"),
        (b'{"source.asn": 99999999999999999999}', "source.asn: wrong type, expected an integer"),
        (b'{"time.source": "yesterday"}', "time.source: not an ISO 8601 date and time"),
        (b'{"time.source": "2024-02-30T00:00:00"}', "time.source: not an ISO 8601 date and time"),
        (b'{"time.source": "2024-05-01T00:00:00+24:00"}', "time.source: not an ISO 8601"),
        (b'{"time.source": "0001-01-01T00:00:00+01:00"}', "time.source: not an ISO 8601"),
        (b'{"time.observation": 1714564800}', "time.observation: wrong type, expected an ISO"),
        (b'{"source.network": "192.0.2.0/33"}', "source.network: not an IP network"),
        (b'{"feed.accuracy": 101}', "feed.accuracy: not a number from 0 to 100"),
        (b'{"feed.accuracy": "nan"}', "feed.accuracy: not a number from 0 to 100"),
        (b'{"source.geolocation.latitude": 91}', "source.geolocation.latitude: not a latitude"),
        (b'{"feed.name": ["a"]}', "feed.name: wrong type, expected a string"),
        (b'{"raw": 5}', "raw: wrong type, expected base64 text"),
        (b'{"extra": 5}', "extra: not a JSON object"),
        (b'{"extra": "[1]"}', "extra: not a JSON object"),
        (b'{"extra": "{broken"}', "extra: text that is not JSON"),
        (b'{"extra.a": 1, "extra": {"a": 2}}', "extra.a: given twice with different values"),
        (b'{"source.ip": "192.0.2.1", "source": {"ip": "192.0.2.2"}}', "source.ip: given twice"),
        (b'{"__type": "Report", "raw": "eA=="}', "__type: 'Report' is not an Event"),
    ],
)
def test_unreadable_lines_are_quarantined_naming_the_field(line: bytes, reason: str) -> None:
    good = jsonl({"source.ip": "192.0.2.1"})
    result = parse(good + line + b"\n" + good)
    assert_well_formed(result, 3)
    [quarantined] = result.quarantine
    assert quarantined.row == 2
    assert quarantined.reason.startswith(reason)
    assert quarantined.raw == line.decode()


def test_a_file_is_read_in_batches_numbered_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [SHADOWSERVER_SMB, {"source.port": "x"}, URLHAUS_BY_IP, {}, URLHAUS_BY_NAME]
    data = jsonl(*lines) + b"\n[]\n"
    whole = parse(data)
    monkeypatch.setattr(intelmq, "BATCH_LINES", 2)
    batched = parse(data)
    assert_well_formed(batched, 6)
    assert batched.events.equals(whole.events)
    assert batched.quarantine == whole.quarantine
    assert [q.row for q in batched.quarantine] == [2, 6]
    # A batch of lines without any object does not make the file "not JSON lines".
    assert parse(jsonl(URLHAUS_BY_IP) + b"1\n2\n3\n").total == 4


def test_the_same_value_twice_is_not_a_conflict() -> None:
    result = parse(b'{"extra.a": 1, "extra": {"a": 1}, "source.ip": "192.0.2.1"}\n')
    assert result.quarantine == []
    assert extra_of(event(result, 1)) == {"a": 1}


def test_the_first_bad_field_names_the_reason() -> None:
    result = parse(b'{"source.port": 99999, "source.ip": "bad"}\n')
    assert reasons(result) == {1: "source.ip: not an IP address"}  # the harmonized order


def test_blank_lines_crlf_and_a_bom() -> None:
    data = (
        b"\xef\xbb\xbf"
        + b'{"source.ip": "192.0.2.1"}\r\n'
        + b"\r\n   \n\t\n"
        + b'{"source.ip": "192.0.2.2"}\r\n'
        + b"oops\r\n"
    )
    result = parse(data)
    assert_well_formed(result, 3)
    assert result.events["source.ip"].to_list() == ["192.0.2.1", "192.0.2.2"]
    assert result.events["_row"].to_list() == [1, 2]  # records, blank lines not counted
    assert list(reasons(result)) == [3]
    assert reasons(result)[3].startswith("line is not JSON (")
    assert result.quarantine[0].raw == "oops"
    assert base64.b64decode(result.events["raw"][0]) == b'{"source.ip": "192.0.2.1"}'


def test_a_line_that_is_not_utf8_is_quarantined() -> None:
    data = jsonl({"source.ip": "192.0.2.1"}) + b'{"feed.name": "Caf\xe9"}\n'
    result = parse(data)
    assert_well_formed(result, 2)
    assert reasons(result) == {2: "line is not valid UTF-8"}
    assert result.quarantine[0].raw == '{"feed.name": "Caf\ufffd"}'


def test_non_ascii_text_is_kept() -> None:
    result = parse(jsonl({"source.geolocation.city": "São Tomé 東京", "extra.catatan": "ü"}))
    found = event(result, 1)
    assert found["source.geolocation.city"] == "São Tomé 東京"
    assert extra_of(found) == {"catatan": "ü"}


@pytest.mark.parametrize(
    "document",
    [
        b"<!DOCTYPE html><html><body>Not found</body></html>\n",
        b"timestamp,ip,port\n2024-05-01 00:00:00,192.0.2.1,445\n",
        b'[{"source.ip": "192.0.2.1"}]',  # a JSON array of events is not JSON lines
        b'[\n  {\n    "source.ip": "192.0.2.1"\n  }\n]\n',
        b"1\n2\n",
        b"\xff\xfe{\x00",
    ],
)
def test_a_file_that_is_not_json_lines_raises(document: bytes) -> None:
    with pytest.raises(ValueError, match="IntelMQ: not JSON lines of events"):
        parse(document)


def test_an_empty_file_gives_no_events() -> None:
    for data in (b"", b"\n\n", b"\xef\xbb\xbf"):
        result = parse(data)
        assert_well_formed(result, 0)
        assert result.quarantine == []


def test_observation_time_is_stored_in_utc_and_must_be_aware() -> None:
    plus7 = datetime(2024, 5, 1, 19, 0, tzinfo=timezone(timedelta(hours=7)))
    result = parse_intelmq_jsonl(jsonl({"source.ip": "192.0.2.1"}), observation_time=plus7)
    assert event(result, 1)["time.observation"] == SEEN
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_intelmq_jsonl(b"{}", observation_time=datetime(2024, 5, 1))


# --- Round trip through the export format ----------------------------------------------------------


def test_round_trip_through_the_export_format() -> None:
    first = parse(jsonl(SHADOWSERVER_SMB, URLHAUS_BY_IP, URLHAUS_BY_NAME))
    again = parse(export_lines(first.events))
    assert again.quarantine == []
    assert comparable(again.events) == comparable(first.events)
    # The export flattens extra, so a second export is the same text.
    assert export_lines(again.events) == export_lines(first.events)


@needs_shared
def test_real_shadowserver_report_round_trips_through_intelmq_lines() -> None:
    """A real Shadowserver sample, read by Siaga's Shadowserver parser, written as IntelMQ lines
    and read back: the same events, extra included."""
    from siaga.feeds.parsers.shadowserver import parse_report

    data = (SHARED / "shadowserver" / "test_smb.csv").read_bytes()
    parsed = parse_report(data, "test_smb.csv", observation_time=SEEN)
    assert parsed.events.height > 0
    exported = export_lines(parsed.events)
    again = parse(exported)
    assert again.quarantine == []
    assert again.events.height == parsed.events.height
    assert comparable(again.events, without=("raw",)) == comparable(
        parsed.events.drop("_offset", strict=False), without=("raw",)
    )
    for line, raw in zip(exported.split(b"\n"), again.events["raw"], strict=True):
        assert base64.b64decode(raw) == line  # no raw of its own: the exported line


# --- Registration ----------------------------------------------------------------------------------


def test_the_pipeline_knows_the_format() -> None:
    from siaga.feeds.parsers.registry import PLAIN_PARSERS

    assert PLAIN_PARSERS[ParserKind.INTELMQ_JSONL] is parse_intelmq_jsonl


def test_an_intelmq_report_is_processed_into_stored_events(db: Any, settings: Any, tmp_path: Path):
    """From a received file to stored events: the feed's parser is this one."""
    from siaga.events.models import Event
    from siaga.feeds import actions
    from siaga.feeds.choices import FeedReportStatus, ReportSource
    from siaga.feeds.models import Feed, QuarantinedRow
    from siaga.jobs.actions import claim_job
    from siaga.jobs.choices import JobStatus
    from siaga.jobs.models import Job
    from siaga.jobs.runner import execute_job

    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    feed = Feed.objects.create(name="Partner IntelMQ", parser=ParserKind.INTELMQ_JSONL)
    data = jsonl(SHADOWSERVER_SMB, URLHAUS_BY_NAME) + b'{"source.port": "ssh"}\n'
    report, created = actions.do_receive_report(
        feed, [data], "events.jsonl", source=ReportSource.CLI
    )
    assert created
    for job in Job.objects.filter(kind=actions.JOB_KIND, status=JobStatus.QUEUED):
        claimed = claim_job(job.pk)
        assert claimed is not None
        execute_job(claimed)
    report.refresh_from_db()
    assert report.status == FeedReportStatus.DONE
    assert (report.rows_read, report.events_stored, report.rows_quarantined) == (3, 2, 1)
    smb = Event.objects.get(source_ip="192.0.2.10")
    assert (smb.feed_name, smb.source_port, smb.classification_type) == (
        "Shadowserver Open-SMB",
        445,
        "vulnerable-system",
    )
    assert smb.time_source == datetime(2024, 4, 30, tzinfo=UTC)
    assert smb.extra is not None and smb.extra["smb_version_string"] == "SMB 2.1"
    urlhaus = Event.objects.get(source_fqdn="files.example.com")
    assert urlhaus.extra is not None and urlhaus.extra["source.tor_node"] is False
    (bad,) = QuarantinedRow.objects.filter(report=report)
    assert (bad.row, bad.reason) == (3, "source.port: not a port number (0-65535)")


# --- Malformed input never crashes and never loses a line ------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
IPS = st.ip_addresses().map(str)
TIMES = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
PLAUSIBLE = (
    JSON_VALUES
    | IPS
    | st.integers(-1, 70000)
    | st.integers(-1, 2**33).map(lambda n: f"AS{n}")
    | TIMES.map(lambda moment: moment.isoformat())
    | st.sampled_from(["192.0.2.0/24", "c2-server", "", "YWJj", "Event", "Report", "{}"])
)
KEYS = st.sampled_from(
    [
        *harmonized.FIELDS,
        "extra.a",
        "extra.b",
        "extra.",
        "__type",
        "source",
        "source.geolocation",
        "feed",
        "source.tor_node",
        "rtir_id",
    ]
)
EVENTS = st.dictionaries(KEYS, PLAUSIBLE, max_size=8)


def blank(line: bytes) -> bool:
    return not line.strip(b" \t\r")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"", b"{", b"\xef\xbb\xbf", jsonl({"source.ip": "192.0.2.1"})]),
    data=st.binary(max_size=300),
)
def test_arbitrary_bytes_give_a_result_or_a_value_error(prefix: bytes, data: bytes) -> None:
    document = prefix + data
    try:
        result = parse(document)
    except ValueError:
        return
    lines = document.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    assert_well_formed(result, sum(not blank(line) for line in lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(EVENTS | JSON_VALUES, max_size=8),
    blanks=st.lists(st.sampled_from(["", " ", "\t", "\r"]), max_size=3),
)
def test_arbitrary_json_lines_account_for_every_line(
    records: list[object], blanks: list[str]
) -> None:
    lines = [json.dumps(record) for record in records] + blanks
    objects = any(isinstance(record, dict) for record in records)
    try:
        result = parse("\n".join(lines).encode())
    except ValueError:
        assert records and not objects  # only a file with lines and no object is refused
        return
    assert objects or not records
    assert_well_formed(result, len(records))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            IPS,
            st.integers(0, 65535),
            st.integers(0, 2**32 - 1),
            TIMES,
            st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes)),
            st.dictionaries(
                st.text(min_size=1, max_size=8),
                JSON_VALUES.filter(lambda value: value is not None),
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_valid_events_all_become_events_with_their_values(
    records: list[tuple[str, int, int, datetime, timedelta, dict[str, Any]]],
) -> None:
    lines = [
        {
            "source.ip": ip,
            "source.port": port,
            "source.asn": asn,
            "time.source": moment.astimezone(timezone(offset)).isoformat(),
            **{f"extra.{key}": value for key, value in extra.items()},
        }
        for ip, port, asn, moment, offset, extra in records
    ]
    result = parse(jsonl(*lines))
    assert result.quarantine == []
    assert result.events.select("source.ip", "source.port", "source.asn", "time.source").rows() == [
        (str(ipaddress.ip_address(ip)), port, asn, moment)
        for ip, port, asn, moment, _, _ in records
    ]
    assert [extra_of(found) for found in result.events.to_dicts()] == [
        orjson.loads(orjson.dumps(extra)) for *_, extra in records
    ]


@settings(max_examples=300, deadline=None)
@given(
    moment=TIMES,
    offset=st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timedelta(minutes=minutes)),
    separator=st.sampled_from(["T", " "]),
    spec=st.sampled_from(["seconds", "milliseconds", "microseconds", "minutes"]),
    zone=st.sampled_from(["offset", "offset without colon", "Z", "none"]),
)
def test_times_agree_with_python(
    moment: datetime, offset: timedelta, separator: str, spec: str, zone: str
) -> None:
    local = moment.astimezone(timezone(offset)) if zone not in {"Z", "none"} else moment
    text = local.replace(tzinfo=None).isoformat(separator, timespec=spec)
    if zone == "offset":
        text += local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    elif zone == "offset without colon":
        text += local.strftime("%z")
    elif zone == "Z":
        text += "Z"
    expected = datetime.fromisoformat(text)
    expected = expected.replace(tzinfo=UTC) if expected.tzinfo is None else expected
    result = parse(jsonl({"time.source": text}))
    assert reasons(result) == {}
    assert event(result, 1)["time.source"] == expected.astimezone(UTC)
