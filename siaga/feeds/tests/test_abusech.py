"""The abuse.ch parsers: the real Feodo Tracker sample, small samples of the other formats written
from abuse.ch's documentation, and property tests that feed them malformed reports."""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from siaga.feeds import harmonized
from siaga.feeds.parsers.abusech import (
    parse_feodo_csv,
    parse_feodo_json,
    parse_threatfox_json,
    parse_urlhaus_csv,
)
from siaga.feeds.parsers.common import ParseResult

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)
SEEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
Parser = Callable[..., ParseResult]
PARSERS: list[Parser] = [parse_feodo_json, parse_feodo_csv, parse_urlhaus_csv, parse_threatfox_json]

FEODO_CSV = b"""################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
# Last updated: 2021-08-17 15:00:42 UTC                        #
#                                                              #
# Terms Of Use: https://feodotracker.abuse.ch/blocklist/       #
# For questions please contact feodotracker [at] abuse.ch      #
################################################################
#
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2021-01-17 07:30:05","67.213.75.205","443","offline","2021-08-18","Dridex"
"2021-01-17 07:44:46","51.178.161.32","4643","online","","Dridex"
"2021-01-17 07:44:50","162.144.127.300","3786","online","2021-08-18","Dridex"
"2021-01-17 07:45:55","111.230.104.169","3388","online","2021-08-32","Dridex"
"2021-01-17 07:45:58","217.79.184.243","70000","online","2021-08-18","Dridex"
"2021-01-17 07:47:59","46.101.90.205","4643","online"
# END 6 entries
"""

URLHAUS_CSV = b"""################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #
# Last updated: 2023-05-31 09:48:05 (UTC)                      #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"2633011","2023-05-31 09:48:05","http://61.54.253.89:37352/bin.sh","online","2023-05-31 09:48:05","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/2633011/","geenensp"
"2633010","2023-05-31 09:47:01","https://Files.Example.COM/invoice.exe","offline","","malware_download","exe, RemcosRAT","https://urlhaus.abuse.ch/url/2633010/","abuse_ch"
"2633009","2023-05-31 09:46:00","http://[2001:DB8::7]/x""quoted"".sh","unknown","","malware_download","","https://urlhaus.abuse.ch/url/2633009/","anonymous"
"2633008","2023-05-31 09:45:00","","online","","malware_download","","https://urlhaus.abuse.ch/url/2633008/","anonymous"
"2633007","31/05/2023","http://example.net/a","online","","malware_download","","https://urlhaus.abuse.ch/url/2633007/","anonymous"
"2633006","2023-05-31 09:44:00","example.net/no-scheme","online","","malware_download","","https://urlhaus.abuse.ch/url/2633006/","anonymous"
"2633005","2023-05-31 09:43:00","http://999.1.2.3/a","online","","malware_download","","https://urlhaus.abuse.ch/url/2633005/","anonymous"
"2633004","2023-05-31 09:42:00","http://ok.example/a","online","","malware_download","tag"
"26330"03","2023-05-31 09:41:00","http://ok.example/b","online","","malware_download","","x","y"
"""


def threatfox_ioc(**fields: object) -> dict[str, object]:
    """One IOC object of the ThreatFox JSON export, as documented, with ``fields`` changed."""
    ioc: dict[str, object] = {
        "ioc_value": "185.215.113.66:80",
        "ioc_type": "ip:port",
        "threat_type": "botnet_cc",
        "malware": "win.amadey",
        "malware_alias": None,
        "malware_printable": "Amadey",
        "first_seen_utc": "2023-12-01 17:36:15",
        "last_seen_utc": None,
        "confidence_level": 100,
        "reference": None,
        "tags": "Amadey,botnet",
        "anonymous": "0",
        "reporter": "abuse_ch",
    }
    return ioc | fields


def rows_of(result: ParseResult) -> list[int]:
    """Every record number the result accounts for, events and quarantine together, in order."""
    return sorted([*result.events["_row"].to_list(), *(q.row for q in result.quarantine)])


def event(result: ParseResult, row: int) -> dict[str, object]:
    [found] = result.events.filter(result.events["_row"] == row).to_dicts()
    return found


def reasons(result: ParseResult) -> dict[int, str]:
    return {q.row: q.reason for q in result.quarantine}


def assert_well_formed(result: ParseResult, records: int) -> None:
    """The invariants every parse keeps: harmonized columns, every record accounted for exactly
    once, ``extra`` a JSON object, ``raw`` base64."""
    assert result.events.schema == pl.Schema({**harmonized.FIELDS, "_row": pl.Int64()})
    assert rows_of(result) == list(range(1, records + 1))
    for extra in result.events["extra"].drop_nulls():
        assert isinstance(orjson.loads(extra), dict)
    for raw in result.events["raw"]:
        base64.b64decode(raw, validate=True)
    assert all(q.reason for q in result.quarantine)


# --- Feodo Tracker -------------------------------------------------------------------------------


@needs_shared
def test_feodo_sample_gives_four_c2_events() -> None:
    data = (SHARED / "abusech" / "feodotracker_INPUT.json").read_bytes()
    result = parse_feodo_json(data, observation_time=SEEN)
    assert_well_formed(result, 4)
    assert result.quarantine == []
    assert result.events["source.ip"].to_list() == [
        "51.178.161.32",
        "142.44.247.57",
        "37.187.115.122",
        "1.234.21.73",
    ]
    first = event(result, 1)
    assert first["feed.name"] == "Feodo Tracker"
    assert first["feed.provider"] == "abuse.ch"
    assert first["classification.taxonomy"] == "malicious-code"
    assert first["classification.type"] == "c2-server"
    assert first["classification.identifier"] == "dridex"
    assert first["malware.name"] == "dridex"
    assert first["source.port"] == 4643
    assert first["source.asn"] == 16276
    assert first["source.as_name"] == "OVH"
    assert first["source.geolocation.cc"] == "FR"
    assert first["source.fqdn"] == "srv-web.ffconsulting.com"
    assert first["time.source"] == datetime(2022, 11, 15, tzinfo=UTC)
    assert first["time.observation"] == SEEN
    assert json.loads(str(first["extra"])) == {
        "status": "online",
        "first_seen": "2021-01-17T07:44:46+00:00",
    }
    assert json.loads(base64.b64decode(str(first["raw"]))) == json.loads(data)[0]


@needs_shared
def test_feodo_sample_record_without_hostname_or_first_seen() -> None:
    data = (SHARED / "abusech" / "feodotracker_INPUT.json").read_bytes()
    last = event(parse_feodo_json(data, observation_time=SEEN), 4)
    assert last["source.fqdn"] is None
    assert last["source.as_name"] == "SKB-AS SK Broadband Co Ltd"
    assert last["source.geolocation.cc"] == "KR"
    assert json.loads(str(last["extra"])) == {"status": "online"}


@needs_shared
def test_feodo_html_page_is_not_a_feed() -> None:
    """The sample's browse page (HTML) is neither of the Feodo formats: a clear error, no events."""
    page = (SHARED / "abusech" / "feodotracker.html").read_bytes()
    with pytest.raises(ValueError, match="not JSON"):
        parse_feodo_json(page, observation_time=SEEN)
    with pytest.raises(ValueError, match="no CSV header"):
        parse_feodo_csv(page, observation_time=SEEN)


def test_feodo_json_quarantines_bad_records_naming_the_field() -> None:
    good = {"ip_address": "198.51.100.7", "port": 443, "malware": "QakBot", "first_seen": None}
    records = [
        good,
        good | {"ip_address": "198.51.100.256"},
        good | {"port": "443"},
        good | {"port": 70000},
        good | {"as_number": True},
        good | {"country": "FRA"},
        good | {"first_seen": "2021-01-17T07:44:46Z"},
        good | {"last_online": "yesterday"},
        good | {"ip_address": None},
        "198.51.100.8",
        good | {"ip_address": " 2001:DB8::1 ", "hostname": "C2.Example.NET."},
    ]
    result = parse_feodo_json(json.dumps(records).encode(), observation_time=SEEN)
    assert_well_formed(result, len(records))
    assert reasons(result) == {
        2: "ip_address: not an IP address",
        3: "port: wrong type, expected an integer",
        4: "port: not a port number (0-65535)",
        5: "as_number: wrong type, expected an integer",
        6: "country: not a two-letter country code",
        7: "first_seen: not a date and time (YYYY-MM-DD HH:MM:SS)",
        8: "last_online: not a date (YYYY-MM-DD)",
        9: "ip_address: missing",
        10: "record is not a JSON object",
    }
    assert result.quarantine[-1].raw == '"198.51.100.8"'
    assert event(result, 1)["time.source"] is None  # neither date given: unknown, not invented
    assert event(result, 1)["extra"] is None
    ipv6 = event(result, 11)
    assert (ipv6["source.ip"], ipv6["source.fqdn"]) == ("2001:db8::1", "c2.example.net")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b'{"ip_address": "1.2.3.4"}', "expected a list of C2 objects at the top level, got dict"),
        (b'"text"', "got str"),
    ],
)
def test_feodo_json_that_is_not_the_format_raises(document: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_feodo_json(document, observation_time=SEEN)


def test_feodo_csv_from_the_documented_format() -> None:
    result = parse_feodo_csv(FEODO_CSV, observation_time=SEEN)
    assert_well_formed(result, 6)
    assert result.events["_row"].to_list() == [1, 2]
    first = event(result, 1)
    assert (first["source.ip"], first["source.port"]) == ("67.213.75.205", 443)
    assert first["time.source"] == datetime(2021, 8, 18, tzinfo=UTC)
    assert first["malware.name"] == "dridex"
    assert json.loads(str(first["extra"])) == {
        "status": "offline",
        "first_seen": "2021-01-17T07:30:05+00:00",
    }
    line = '"2021-01-17 07:30:05","67.213.75.205","443","offline","2021-08-18","Dridex"'
    assert base64.b64decode(str(first["raw"])).decode() == line
    # No last_online: the first-seen time is the best the report gives.
    assert event(result, 2)["time.source"] == datetime(2021, 1, 17, 7, 44, 46, tzinfo=UTC)
    assert reasons(result) == {
        3: "dst_ip: not an IP address",
        4: "last_online: not a date (YYYY-MM-DD)",
        5: "dst_port: not a port number (0-65535)",
        6: "expected 6 fields as in the header",
    }
    assert result.quarantine[-1].raw == '"2021-01-17 07:47:59","46.101.90.205","4643","online"'


def test_feodo_csv_without_its_header_raises() -> None:
    body = (
        b'# comment\n"2021-01-17 07:30:05","67.213.75.205","443","offline","2021-08-18","Dridex"\n'
    )
    with pytest.raises(ValueError, match="no CSV header naming first_seen_utc"):
        parse_feodo_csv(body, observation_time=SEEN)
    with pytest.raises(ValueError, match="no CSV header"):
        parse_feodo_csv(b"", observation_time=SEEN)


def test_csv_header_naming_a_column_twice_raises() -> None:
    header = b"first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware,malware\n"
    with pytest.raises(ValueError, match="names a column twice"):
        parse_feodo_csv(header, observation_time=SEEN)


def test_observation_time_is_stored_in_utc_and_must_be_aware() -> None:
    jakarta = datetime(2024, 3, 1, 19, 0, tzinfo=timezone(timedelta(hours=7)))
    result = parse_feodo_csv(FEODO_CSV, observation_time=jakarta)
    assert result.events["time.observation"].to_list() == [SEEN, SEEN]
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_feodo_csv(FEODO_CSV, observation_time=datetime(2024, 3, 1))


# --- URLhaus -------------------------------------------------------------------------------------


def test_urlhaus_csv_from_the_documented_format() -> None:
    result = parse_urlhaus_csv(URLHAUS_CSV, observation_time=SEEN)
    assert_well_formed(result, 9)
    ip_host = event(result, 1)
    assert ip_host["feed.name"] == "URLhaus"
    assert ip_host["classification.type"] == "malware-distribution"
    assert ip_host["classification.taxonomy"] == "malicious-code"
    assert ip_host["source.url"] == "http://61.54.253.89:37352/bin.sh"
    assert (ip_host["source.ip"], ip_host["source.fqdn"]) == ("61.54.253.89", None)
    assert ip_host["time.source"] == datetime(2023, 5, 31, 9, 48, 5, tzinfo=UTC)
    assert ip_host["event_description.url"] == "https://urlhaus.abuse.ch/url/2633011/"
    assert json.loads(str(ip_host["extra"])) == {
        "id": 2633011,
        "url_status": "online",
        "threat": "malware_download",
        "tags": ["32-bit", "elf", "mips", "Mozi"],
        "urlhaus_link": "https://urlhaus.abuse.ch/url/2633011/",
        "reporter": "geenensp",
    }
    name_host = event(result, 2)
    assert (name_host["source.ip"], name_host["source.fqdn"]) == (None, "files.example.com")
    assert json.loads(str(name_host["extra"]))["tags"] == ["exe", "RemcosRAT"]
    quoted = event(result, 3)
    assert quoted["source.url"] == 'http://[2001:DB8::7]/x"quoted".sh'
    assert quoted["source.ip"] == "2001:db8::7"
    assert "tags" not in json.loads(str(quoted["extra"]))
    assert reasons(result) == {
        4: "url: missing",
        5: "dateadded: not a date and time (YYYY-MM-DD HH:MM:SS)",
        6: "url: no scheme and host",
        7: "url: host is neither an IP address nor a host name",
        8: "expected 9 fields as in the header",
        9: "line is not well-formed CSV",
    }


def test_urlhaus_header_may_be_a_plain_line_with_extra_columns() -> None:
    """Columns are found by name, so a header that is not commented out, in another order or with
    a column we do not read still works."""
    body = (
        b"reporter,url,dateadded,id,url_status,threat,tags,urlhaus_link,new_column\r\n"
        b"someone,https://a.example/x,2024-01-02 03:04:05,7,online,malware_download,,https://urlhaus.abuse.ch/url/7/,1\r\n"
    )
    result = parse_urlhaus_csv(body, observation_time=SEEN)
    assert_well_formed(result, 1)
    assert event(result, 1)["source.fqdn"] == "a.example"
    assert json.loads(str(event(result, 1)["extra"]))["reporter"] == "someone"


def test_urlhaus_line_that_is_not_utf8_is_quarantined() -> None:
    header = b"# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
    good = (
        b'"1","2024-01-02 03:04:05","http://a.example/","online","","malware_download","","l","r"'
    )
    result = parse_urlhaus_csv(
        header + good + b"\n" + good.replace(b"a.example", b"\xff.example"), observation_time=SEEN
    )
    assert_well_formed(result, 2)
    assert reasons(result) == {2: "line is not valid UTF-8"}


# --- ThreatFox -----------------------------------------------------------------------------------


def test_threatfox_export_maps_each_ioc_type() -> None:
    export = {
        "1204511": [threatfox_ioc()],
        "1204512": [
            threatfox_ioc(ioc_type="domain", ioc_value="C2.Example.ORG", threat_type="botnet_cc")
        ],
        "1204513": [
            threatfox_ioc(
                ioc_type="url",
                ioc_value="http://dl.example.org/p.exe",
                threat_type="payload_delivery",
            )
        ],
        "1204514": [
            threatfox_ioc(
                ioc_type="md5_hash",
                ioc_value="CC96BA45DD2B6A6D7AA300D77E49C095",
                threat_type="payload",
            )
        ],
        "1204515": [
            threatfox_ioc(ioc_type="sha256_hash", ioc_value="9" * 64, threat_type="cc_skimming")
        ],
        "1204516": [
            threatfox_ioc(ioc_type="ip:port", ioc_value="[2001:db8::5]:8443", tags=["a", " b ", ""])
        ],
    }
    result = parse_threatfox_json(json.dumps(export).encode(), observation_time=SEEN)
    assert_well_formed(result, 6)
    assert result.quarantine == []
    ip_port = event(result, 1)
    assert ip_port["feed.name"] == "ThreatFox"
    assert (ip_port["classification.taxonomy"], ip_port["classification.type"]) == (
        "malicious-code",
        "c2-server",
    )
    assert (ip_port["source.ip"], ip_port["source.port"]) == ("185.215.113.66", 80)
    assert ip_port["malware.name"] == "amadey"
    assert ip_port["classification.identifier"] == "win.amadey"
    assert ip_port["time.source"] == datetime(2023, 12, 1, 17, 36, 15, tzinfo=UTC)
    assert ip_port["event_description.url"] == "https://threatfox.abuse.ch/ioc/1204511/"
    assert json.loads(str(ip_port["extra"])) == {
        "id": 1204511,
        "ioc_type": "ip:port",
        "threat_type": "botnet_cc",
        "malware": "win.amadey",
        "confidence_level": 100,
        "tags": ["Amadey", "botnet"],
        "reporter": "abuse_ch",
    }
    assert event(result, 2)["source.fqdn"] == "c2.example.org"
    url = event(result, 3)
    assert (url["source.url"], url["source.fqdn"]) == (
        "http://dl.example.org/p.exe",
        "dl.example.org",
    )
    assert url["classification.type"] == "malware-distribution"
    md5 = event(result, 4)
    assert (md5["malware.hash.md5"], md5["classification.type"]) == (
        "cc96ba45dd2b6a6d7aa300d77e49c095",
        "malware",
    )
    sha256 = event(result, 5)
    assert sha256["malware.hash.sha256"] == "9" * 64
    assert (sha256["classification.taxonomy"], sha256["classification.type"]) == (
        "other",
        "undetermined",
    )
    ipv6 = event(result, 6)
    assert (ipv6["source.ip"], ipv6["source.port"]) == ("2001:db8::5", 8443)
    assert json.loads(str(ipv6["extra"]))["tags"] == ["a", "b"]
    raw = json.loads(base64.b64decode(str(ip_port["raw"])))
    assert raw == threatfox_ioc()


def test_threatfox_quarantines_bad_iocs_naming_the_field() -> None:
    export = {
        "1": [threatfox_ioc(ioc_value="185.215.113.66")],
        "2": [threatfox_ioc(ioc_value="185.215.113.66:99999")],
        "3": [threatfox_ioc(ioc_type="md5_hash", ioc_value="xyz")],
        "4": [threatfox_ioc(ioc_type="email", ioc_value="a@example.org")],
        "5": [threatfox_ioc(ioc_type="url", ioc_value="not a url")],
        "6": [threatfox_ioc(first_seen_utc="2023-13-01 00:00:00")],
        "7": [threatfox_ioc(confidence_level="high")],
        "8": [threatfox_ioc(tags=[1, 2])],
        "9": [threatfox_ioc(ioc_value=None)],
        "x": [threatfox_ioc()],
        "11": "no list",
        "12": [threatfox_ioc(), threatfox_ioc(ioc_type="domain", ioc_value="a..b")],
        "13": [],
        "14": threatfox_ioc(ioc_value="198.51.100.1:443"),
    }
    result = parse_threatfox_json(json.dumps(export).encode(), observation_time=SEEN)
    assert_well_formed(result, 14)
    assert reasons(result) == {
        1: "ioc_value: not an IP address and port",
        2: "ioc_value: not an IP address and port",
        3: "ioc_value: not a md5_hash (32 hexadecimal digits)",
        4: "ioc_type: not one of domain, ip:port, md5_hash, sha1_hash, sha256_hash, url",
        5: "ioc_value: URL contains white space",
        6: "first_seen_utc: not a date and time (YYYY-MM-DD HH:MM:SS)",
        7: "confidence_level: wrong type, expected an integer",
        8: "tags: wrong type, expected a string or a list of strings",
        9: "ioc_value: missing",
        10: "id: not a number",
        11: "record is not a JSON object",
        13: "ioc_value: host is neither an IP address nor a host name",
    }
    # A lone object instead of a one-element list is read as that one IOC.
    assert event(result, 14)["source.ip"] == "198.51.100.1"


@pytest.mark.parametrize("document", [b"[]", b"[1, 2]", b"null", b"\xff\xfe"])
def test_threatfox_that_is_not_the_format_raises(document: bytes) -> None:
    with pytest.raises(ValueError, match="ThreatFox"):
        parse_threatfox_json(document, observation_time=SEEN)


def test_empty_reports_give_empty_frames() -> None:
    for result in [
        parse_feodo_json(b"[]", observation_time=SEEN),
        parse_threatfox_json(b"{}", observation_time=SEEN),
        parse_feodo_csv(
            b'"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n',
            observation_time=SEEN,
        ),
    ]:
        assert_well_formed(result, 0)


# --- Malformed input never crashes and never loses a record ------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
IPS = st.ip_addresses().map(str)
DATES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
# Values near what the feeds carry, so the checks past the type test are reached too.
PLAUSIBLE = (
    JSON_VALUES
    | IPS
    | IPS.map(lambda ip: f"{ip}:{443}")
    | st.integers(-1, 70000)
    | DATES.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))
    | DATES.map(lambda d: d.strftime("%Y-%m-%d"))
    | st.sampled_from(
        [
            "url",
            "domain",
            "ip:port",
            "md5_hash",
            "sha256_hash",
            "botnet_cc",
            "http://a.example/",
            "a,b",
        ]
    )
)


def fields_of(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, PLAUSIBLE))


FEODO_NAMES = (
    "ip_address",
    "port",
    "status",
    "hostname",
    "as_number",
    "as_name",
    "country",
    "first_seen",
    "last_online",
    "malware",
)
THREATFOX_NAMES = (
    "ioc_value",
    "ioc_type",
    "threat_type",
    "malware",
    "malware_printable",
    "malware_alias",
    "confidence_level",
    "first_seen_utc",
    "last_seen_utc",
    "reference",
    "tags",
    "reporter",
)
HEADERS: dict[Parser, bytes] = {
    parse_feodo_csv: b'"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n',
    parse_urlhaus_csv: b"# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n",
}
CSV_LINE = st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parser=st.sampled_from(PARSERS),
    prefix=st.sampled_from([b"", b"[", b"{", *HEADERS.values()]),
    data=st.binary(max_size=300),
)
def test_arbitrary_bytes_give_a_result_or_a_value_error(
    parser: Parser, prefix: bytes, data: bytes
) -> None:
    try:
        result = parser(prefix + data, observation_time=SEEN)
    except ValueError:
        return
    assert_well_formed(result, result.total)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(fields_of(FEODO_NAMES) | JSON_VALUES, max_size=8))
def test_feodo_json_accounts_for_every_record(records: list[object]) -> None:
    result = parse_feodo_json(json.dumps(records).encode(), observation_time=SEEN)
    assert_well_formed(result, len(records))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    export=st.dictionaries(
        st.text(max_size=6) | st.integers(0, 10**6).map(str),
        st.lists(fields_of(THREATFOX_NAMES) | JSON_VALUES, max_size=3) | JSON_VALUES,
        max_size=6,
    )
)
def test_threatfox_accounts_for_every_record(export: dict[str, object]) -> None:
    records = sum(len(v) if isinstance(v, list) else 1 for v in export.values())
    result = parse_threatfox_json(json.dumps(export).encode(), observation_time=SEEN)
    assert_well_formed(result, records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parser=st.sampled_from([parse_feodo_csv, parse_urlhaus_csv]),
    lines=st.lists(
        CSV_LINE
        | st.lists(CSV_LINE | PLAUSIBLE.map(str), max_size=10).map(
            lambda f: ",".join(f'"{v}"' for v in f)
        ),
        max_size=8,
    ),
)
@example(parser=parse_urlhaus_csv, lines=['"\n"'])  # a value with a line break: two records
def test_csv_accounts_for_every_record_line(parser: Parser, lines: list[str]) -> None:
    body = "\n".join(lines).encode()
    data = HEADERS[parser] + body
    # A record is a physical line: a quoted value that holds a line break (the generated values
    # may) ends its record there, as abuse.ch's one-record-per-line files are read.
    physical = (line.decode().strip(" \t") for line in body.splitlines())
    records = sum(1 for line in physical if line and line[0] != "#")
    result = parser(data, observation_time=SEEN)
    assert_well_formed(result, records)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            IPS,
            st.integers(0, 65535),
            st.integers(0, 2**32 - 1),
            st.sampled_from(["FR", "id", "US"]),
            DATES.map(lambda d: d.replace(microsecond=0)),
        ),
        max_size=6,
    )
)
def test_valid_feodo_records_all_become_events(
    records: list[tuple[str, int, int, str, datetime]],
) -> None:
    document = [
        {
            "ip_address": ip,
            "port": port,
            "as_number": asn,
            "country": cc,
            "malware": "QakBot",
            "first_seen": first.isoformat(sep=" "),
        }
        for ip, port, asn, cc, first in records
    ]
    result = parse_feodo_json(json.dumps(document).encode(), observation_time=SEEN)
    assert result.quarantine == []
    columns = ["source.ip", "source.port", "source.asn", "source.geolocation.cc", "time.source"]
    assert result.events.select(columns).rows() == [
        (str(ipaddress.ip_address(ip)), port, asn, cc.upper(), first.replace(tzinfo=UTC))
        for ip, port, asn, cc, first in records
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(exclude_characters="\r\n", exclude_categories=["Cs", "Zs", "Cc"]),
            min_size=1,
            max_size=12,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_urlhaus_quoted_fields_keep_commas_and_quotes(tags: list[str]) -> None:
    """Tags hold commas and quotes as the CSV escapes them; each comma-separated item comes back."""
    field = ",".join(tags).replace('"', '""')
    line = f'"5","2024-01-02 03:04:05","http://a.example/","online","","malware_download","{field}","l","r"'
    header = "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter"
    result = parse_urlhaus_csv(f"{header}\n{line}\n".encode(), observation_time=SEEN)
    assert result.quarantine == []
    expected = [item.strip() for tag in tags for item in tag.split(",") if item.strip()]
    assert json.loads(str(event(result, 1)["extra"])).get("tags", []) == expected
    assert base64.b64decode(str(event(result, 1)["raw"])).decode() == line
