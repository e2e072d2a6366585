"""Every Shadowserver sample report in ../shared/data, parsed with Siaga's report table.

Per family: every data row becomes an event or a quarantined row; required fields are filled;
the classification is the entry's; addresses are canonical; no value of the report is silently
lost; and a few values per family, read from the sample files by hand, come out where they belong.
"""

from __future__ import annotations

import csv
import functools
import io
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.shadowserver import ReportType, detect_report, load_schema, parse_report

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "parsers" / "shadowserver_schema.json"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
SAMPLES = SHARED / "shadowserver"
pytestmark = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)

OBSERVED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
# Values a conversion turns into "nothing" on purpose (the brief's placeholders), so their absence
# from an event is not a loss.
PLACEHOLDERS = {"", "n/a", "none", "null", "-"}
# Samples whose rows are one field short of their header (the last column, http_agent, is missing
# from every row of this file as IntelMQ keeps it): how the engine treats such rows is its own
# rule; the table's mapping of the family is checked with the column supplied.
RAGGED = {"event4_honeypot_ddos"}
ABSENT = object()


def _stems() -> list[str]:
    if not SAMPLES.exists():
        return []
    return sorted(path.stem for path in SAMPLES.glob("*.csv"))


@functools.cache
def _schema() -> dict[str, ReportType]:
    return load_schema(SCHEMA_PATH)


def _report(stem: str) -> ReportType:
    report = detect_report(f"{stem}.csv", _schema())
    assert report is not None and report.key == stem
    return report


@functools.cache
def _parsed(stem: str) -> ParseResult:
    data = (SAMPLES / f"{stem}.csv").read_bytes()
    return _parse(stem, data)


def _parse(stem: str, data: bytes) -> ParseResult:
    return parse_report(data, f"{stem}.csv", report_type=_report(stem), observation_time=OBSERVED)


@functools.cache
def _sample(stem: str) -> tuple[list[str], list[list[str]]]:
    """The sample's header and data rows, read by Python's csv module (independent of the engine)."""
    text = (SAMPLES / f"{stem}.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def _event(result: ParseResult, row: int) -> dict[str, Any]:
    found = result.events.filter(pl.col("_row") == row)
    assert found.height == 1, f"row {row} is not one event: {result.quarantine}"
    return found.row(0, named=True)


def _extra(event: dict[str, Any]) -> dict[str, Any]:
    """The event's extra values that are present: ``extra`` is a struct while a report is
    processed and JSON text once exported; either way a key without a value is not there."""
    extra = event["extra"]
    if isinstance(extra, str):
        extra = json.loads(extra)
    return {key: value for key, value in (extra or {}).items() if value is not None}


def _target(field: str, column: str) -> str:
    if field.startswith(harmonized.EXTRA_PREFIX):
        return "extra:" + (field.removeprefix(harmonized.EXTRA_PREFIX) or column)
    return field


def _value_at(event: dict[str, Any], extra: dict[str, Any], target: str) -> Any:
    if target.startswith("extra:"):
        return extra.get(target.removeprefix("extra:"))
    return event[target]


# --- Every family ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", _stems())
def test_every_row_is_an_event_or_quarantined(stem: str) -> None:
    _, rows = _sample(stem)
    result = _parsed(stem)
    assert result.events.height + len(result.quarantine) == len(rows)
    numbers = result.events.get_column("_row").to_list() + [q.row for q in result.quarantine]
    assert sorted(numbers) == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("stem", [stem for stem in _stems() if stem not in RAGGED])
def test_no_row_of_a_well_formed_sample_is_quarantined(stem: str) -> None:
    """Every sample row holds its required values: a quarantined row would mean the table asks
    for a column, or a conversion, that the report does not give."""
    assert _parsed(stem).quarantine == []


@pytest.mark.parametrize("stem", _stems())
def test_required_fields_are_filled_in_every_event(stem: str) -> None:
    events = _parsed(stem).events
    for rule in _report(stem).required_fields:
        target = _target(rule.field, rule.column)
        for event in events.iter_rows(named=True):
            assert _value_at(event, _extra(event), target) is not None, (event["_row"], target)
    for field in harmonized.REQUIRED:
        assert events.get_column(field).null_count() == 0, field


@pytest.mark.parametrize("stem", _stems())
def test_classification_and_feed_are_the_entrys(stem: str) -> None:
    report = _report(stem)
    events = _parsed(stem).events
    for field, value in report.constant_fields.items():
        assert set(events.get_column(field).to_list()) <= {value}, field
    assert set(events.get_column("feed.name").to_list()) <= {report.feed_name}
    assert set(events.get_column("time.observation").to_list()) <= {OBSERVED}


@pytest.mark.parametrize("stem", _stems())
def test_addresses_and_networks_are_canonical(stem: str) -> None:
    events = _parsed(stem).events
    for field in harmonized.IP_FIELDS:
        for value in events.get_column(field).drop_nulls().to_list():
            assert str(ipaddress.ip_address(value)) == value, (field, value)
    for field in ("source.network", "destination.network"):
        for value in events.get_column(field).drop_nulls().to_list():
            assert str(ipaddress.ip_network(value)) == value, (field, value)


@pytest.mark.parametrize("stem", _stems())
def test_time_source_is_the_timestamp_column_as_utc(stem: str) -> None:
    header, rows = _sample(stem)
    events = _parsed(stem).events
    assert events.schema["time.source"] == harmonized.UTC_TIME
    position = header.index("timestamp")
    for event in events.iter_rows(named=True):
        raw = rows[event["_row"] - 1][position]
        expected = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert event["time.source"] == expected


def _dropped_on_purpose(conversion: str | None, value: str) -> bool:
    text = value.strip().lower()
    if conversion == "validate_to_none":
        return text in PLACEHOLDERS
    if conversion == "invalidate_zero":
        return text.lstrip("+-").isdigit() and int(text) == 0
    return False


@pytest.mark.parametrize("stem", _stems())
def test_no_value_is_silently_dropped(stem: str) -> None:
    """Each non-blank cell reaches its event: in its field, under extra, or (where it could not be
    converted) as text under extra. Only values a conversion empties by definition (a 0 ASN, a
    "-" placeholder) may be missing."""
    header, rows = _sample(stem)
    report = _report(stem)
    rules_by_column: dict[str, list[tuple[str, str | None]]] = {}
    for rule in report.rules:
        rules_by_column.setdefault(rule.column, []).append(
            (_target(rule.field, rule.column), rule.conversion)
        )
    lost = []
    for event in _parsed(stem).events.iter_rows(named=True):
        extra = _extra(event)
        row = rows[event["_row"] - 1]
        for column, value in zip(header, row, strict=False):
            if not value.strip():
                continue
            rules = rules_by_column.get(column, [])
            if any(_dropped_on_purpose(conversion, value) for _, conversion in rules):
                continue
            # Text a conversion could not read is kept: under the column's name beside a
            # harmonized field, as "<key>_text" beside an extra key.
            targets = [target for target, _ in rules] + [f"extra:{column}"]
            targets += [f"{target}_text" for target, _ in rules if target.startswith("extra:")]
            if all(_value_at(event, extra, target) is None for target in targets):
                lost.append((event["_row"], column, value))
    assert lost == []


# --- Hand-checked values (read from the sample files, not computed) ---------------------------------


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


SRV = "Communications, Service Provider, and Hosting Service"
# stem → (data row, harmonized fields, extra keys). ABSENT: not there (null, or no extra key).
EXPECTED: dict[str, tuple[int, dict[str, Any], dict[str, Any]]] = {
    "blocklist": (
        1,
        {
            "time.source": _t("2019-09-04 07:00:19"),
            "source.ip": "198.123.245.134",
            "source.network": "198.123.245.134/32",
            "source.reverse_dns": "host.local",
            "source.asn": 5678,
            "event_description.text": "Malicious Host AA",
        },
        {"source": "Alien Vault", "source.naics": 517311, "source.sic": ABSENT},
    ),
    "device_id": (
        1,
        {
            "time.source": _t("2022-01-10 00:01:42"),
            "source.ip": "88.84.0.0",
            "source.port": 10443,
            "protocol.transport": "tcp",
            "source.geolocation.cc": "NO",
        },
        {"tag": "ssl,vpn", "device_vendor": "Fortinet", "device_model": "FortiGate"},
    ),
    "event4_honeypot_brute_force": (
        1,
        {
            "time.source": _t("2021-03-27 00:00:00"),
            "source.ip": "141.98.1.2",
            "source.port": 30123,
            "source.asn": 209588,
            "destination.ip": "162.250.1.2",
            "destination.port": 22,
            "protocol.application": "ssh",
        },
        {
            "infection": "ssh-brute-force",
            "public_source": "CAPRICA-EU",
            "client_version": "b'SSH-2.0-Go'",
            "start_time": "2021-03-27T00:00:00.521730Z",
        },
    ),
    "event4_honeypot_ddos_target": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "destination.ip": "172.16.0.1",
            "destination.port": 80,
            "source.ip": "192.168.0.1",
            "source.port": 61234,
            "malware.name": "mirai",
        },
        {"dst_network": "115.238.198.85/32", "attack": "atk0", "duration": 30, "infection": "ddos"},
    ),
    "event4_ip_spoofer": (
        1,
        {
            "time.source": _t("2021-03-28 00:42:59"),
            "source.ip": "98.191.250.0",
            "source.port": None,
            "source.network": "98.191.250.0/24",
            "source.reverse_dns": "ip-98.191.250.0.atlinkservices.com",
        },
        {"routedspoof": "received", "session": 1112907, "nat": True, "source.naics": 517311},
    ),
    "event4_microsoft_sinkhole_http": (
        2,
        {
            "time.source": _t("2021-06-07 00:00:00"),
            "source.ip": "177.140.3.4",
            "source.port": 35919,
            "destination.ip": "204.95.99.204",
            "destination.port": 443,
            "destination.fqdn": "3fo8jrthz3y.rgk.cc",
            "malware.name": "caphaw",
        },
        {"http_url": "/index.php", "family": "caphaw", "http_referer": ABSENT},
    ),
    "event4_sinkhole_dns": (
        1,
        {
            "time.source": _t("2022-01-06 00:00:02"),
            "source.ip": "217.110.0.0",
            "source.port": 29614,
            "protocol.transport": "udp",
            "destination.fqdn": "yolkish.com",
            "malware.name": "calypso",
        },
        {"query_type": "A", "count": 1, "tag": "msexchange", "source.sector": SRV},
    ),
    "event4_sinkhole_http_referer": (
        1,
        {
            "time.source": _t("2021-03-04 00:00:02"),
            "source.ip": "178.162.203.211",
            "source.port": 80,
            "source.reverse_dns": "12106.mobapptrack.com",
            "source.url": "http://12106.mobapptrack.com/click/redirect?feed_id=12106&sub_id=7"
            "&q=8A5491983C8FBE7743E2D2C36E45EBC4-18307118D2626C9BD756B3F09D14BB910E381EE4",
            "destination.ip": "85.17.31.82",
            "destination.fqdn": "12106.mobapptrack.com",
            "malware.name": "kovter",
        },
        {"http_url": "GET /favicon.ico HTTP/1.1", "event_id": 1614816002},
    ),
    "malware_url": (
        1,
        {
            "time.source": _t("2022-01-07 00:02:07"),
            "source.url": "http://41.86.0.0:50008/Mozi.m",
            "source.ip": "41.86.0.0",
            "source.asn": 37203,
            "malware.hash.sha256": (
                "12013662c71da69de977c04cd7021f13a70cf7bed4ca6c82acbc100464d4b0ef"
            ),
            "protocol.application": "http",
        },
        {"tag": "CVE-2016-10372"},
    ),
    "population_http_proxy": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": 3128,
        },
        {"tag": "http-connect-proxy-closed", "http_code": 407, "server": "squid/4.10"},
    ),
    "sandbox_dns": (
        1,
        {
            "time.source": _t("2022-01-10 00:00:02"),
            "destination.fqdn": "time.windows.com",
            "malware.hash.md5": "b575ce6dcce6502a8431db5610135c25",
        },
        {"type": "A", "response": "40.119.6.228"},
    ),
    "scan_adb": (
        1,
        {
            "time.source": _t("2018-07-26 02:07:16"),
            "source.ip": "36.239.124.210",
            "source.port": 5555,
            "source.reverse_dns": "36-239-124-210.dynamic-ip.hinet.net",
        },
        {"name": "hlteuc", "model": "SAMSUNG-SM-N900A", "source.sic": 737415},
    ),
    "scan_amqp": (
        1,
        {"time.source": _t("2022-01-10 04:32:13"), "source.ip": "47.103.0.0", "source.port": 5672},
        {"product": "RabbitMQ", "product_version": "3.3.5", "channel": 0, "message_length": 509},
    ),
    "scan_chargen": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": 19,
            "protocol.transport": "udp",
        },
        {"response_size": 74, "amplification": 74.0, "size": ABSENT},
    ),
    "scan_coap": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 5683},
        {"response": "</api>,</api/v1>,</.well-known/core>", "amplification": 2.05},
    ),
    "scan_cwmp": (
        1,
        {
            "time.source": _t("2019-09-04 10:44:55"),
            "source.ip": "198.123.245.142",
            "source.port": 30005,
            "source.reverse_dns": None,
        },
        {"server": "DNVRS-Webs", "http_code": 200, "date": "Wed, 04 Sep 2019 07:42:37 GMT"},
    ),
    "scan_ddos_middlebox": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 80},
        {"source_port": 49002, "bytes": 99, "amplification": 2.0, "method": "SYN+ACK:PSH"},
    ),
    "scan_docker": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 2375},
        {"version": "18.05.0-ce", "experimental": False, "api_version": "1.37"},
    ),
    "scan_elasticsearch": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 9200},
        {"name": "Red Skull", "build_snapshot": False, "tagline": "You Know, for Search"},
    ),
    "scan_ftp": (
        1,
        {
            "time.source": _t("2019-03-06 06:37:00"),
            "source.ip": "61.126.3.70",
            "source.port": 21,
            "source.reverse_dns": "arcus-net.co.jp",
        },
        {
            "banner": "220 FTP Server ready.|",
            "cert_length": 2048,
            "cert_valid": False,
            "subject_common_name": "*.bizmw.com",
        },
    ),
    "scan_http": (
        1,
        {
            "time.source": _t("2018-04-19 00:02:26"),
            "source.ip": "75.74.78.113",
            "source.port": 8080,
        },
        {"server": "lighttpd", "http_code": 200, "transfer_encoding": "chunked"},
    ),
    "scan_http_vulnerable": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 8080},
        {"tag": "basic-auth,http", "http_code": 401, "content_length": 149},
    ),
    "scan_ipmi": (
        1,
        {
            "time.source": _t("2016-07-24 00:09:42"),
            "source.ip": "198.51.100.4",
            "source.port": 623,
            "source.reverse_dns": None,
            "protocol.transport": "udp",
        },
        {"ipmi_version": "1.5", "none_auth": True, "md2_auth": False, "defaultkg": "-"},
    ),
    "scan_isakmp": (
        1,
        {
            "time.source": _t("2019-09-04 00:17:25"),
            "source.ip": "198.123.245.42",
            "source.port": 500,
        },
        {"initiator_spi": "3e35c70729dfedef", "exchange_type": "05", "spi_size": "0"},
    ),
    "scan_ldap_tcp": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 389},
        {"dns_host_name": "node01.example.com", "supported_ldap_version": "3|2", "size": 0},
    ),
    "scan_mdns": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 5353},
        {"workstation_ipv6": "fd09:4ab5:dae9:b078::1", "mdns_name": ABSENT},
    ),
    "scan_mongodb": (
        1,
        {
            "time.source": _t("2016-07-24 00:40:07"),
            "source.ip": "198.51.100.203",
            "source.port": 27017,
            "source.asn": 20773,
        },
        {"version": "2.4.5", "visible_databases": "local | countly | admin", "bits": "64"},
    ),
    "scan_mqtt_anon": (
        1,
        {"time.source": _t("2022-01-10 00:59:34"), "source.ip": "47.106.0.0", "source.port": 8883},
        {"tag": "mqtt,mqtt-anon", "code": "Connection Accepted", "hex_code": "00"},
    ),
    "scan_mysql": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 3306},
        {
            "server_version": "5.7.37-0ubuntu0.18.04.1",
            "client_compress": True,
            "client_ssl": False,
            "cert_expired": True,
        },
    ),
    "scan_netbios": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 137},
        {"machine_name": "NBG6503", "mac_address": "00-00-00-00-00-00", "amplification": 4.58},
    ),
    "scan_ntp": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 123},
        {"version": "4", "refid": "81.15.252.130", "response_size": 324, "amplification": 27.0},
    ),
    "scan_portmapper": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 111},
        {"exports": "/mnt/export 192.168.0.0", "response_size": 148},
    ),
    "scan_qotd": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 17},
        {"response_size": 166, "amplification": 166.0},
    ),
    "scan_radmin": (
        1,
        {
            "time.source": _t("2020-07-06 13:55:26"),
            "source.ip": "74.101.218.75",
            "source.port": 4899,
            "source.asn": 701,
        },
        {"version": "Radmin (Details Unknown)", "source.naics": 517312, "source.sic": ABSENT},
    ),
    "scan_rdpeudp": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 3389},
        {"sessionid": "05b28c0c", "response_size": 1232, "amplification": 77.0},
    ),
    "scan_rsync": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 873},
        {
            "has_password": False,
            "module": "system|Backup system;system_full|Backup full system;"
            "mysql|Backup virtual mysql;netadmin|Backup virtual netadmin;",
        },
    ),
    "scan_slp": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 427},
        {"function_text": "Service reply", "response_size": 40},
    ),
    "scan_smtp_vulnerable": (
        1,
        {"time.source": _t("2021-07-08 11:58:42"), "source.ip": "1.2.3.4", "source.port": 25},
        {
            "tag": "smtp;21nails",
            "banner": "220 smtp-server.invalid ESMTP Exim 4.80 Wed, 11 Jun 2021 10:00:00 +0300|",
        },
    ),
    "scan_socks": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 1080},
        {"tag": "socks4", "source.sector": SRV, "source.naics": ABSENT},
    ),
    "scan_ssh": (
        1,
        {"time.source": _t("2022-01-10 02:20:37"), "source.ip": "18.179.0.0", "source.port": 22},
        {
            "serverid_software": "OpenSSH_7.4",
            "algorithm": "ecdsa-sha2-nistp256",
            "ecdsa_public_key_length": 256,
            "source.naics": 454110,
        },
    ),
    "scan_ssl_freak": (
        1,
        {
            "time.source": _t("2018-04-23 13:25:21"),
            "source.ip": "198.51.100.232",
            "source.port": 443,
            "source.asn": 8447,
            "protocol.transport": "tcp",
        },
        {"freak_vulnerable": True, "freak_cipher_suite": "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    ),
    "scan_stun": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 3478},
        {"software": "Coturn-4.5.1.1 'dan Eider'", "mapped_port": 3243, "magic_cookie": "2112a442"},
    ),
    "scan_telnet": (
        1,
        {
            "time.source": _t("2019-09-04 12:27:34"),
            "source.ip": "198.123.245.145",
            "source.port": 5678,
            "source.asn": 20255,
        },
        {"banner": "|MikroTik v6.5|Login:", "tag": "telnet-alt"},
    ),
    "scan_ubiquiti": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": 10001,
        },
        {"mac": "00156db98c3a", "size": 148, "amplification": 37.0},
    ),
    "scan_ws_discovery": (
        1,
        {"time.source": _t("2010-02-10 00:00:00"), "source.ip": "192.168.0.1", "source.port": 3702},
        {"error": "Validation constraint violation: SOAP message expected", "response_size": 989},
    ),
    "special": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": None,
            "source.reverse_dns": "node01.example.com",
        },
        {"tag": "cyclops-blink", "status": "likely compromised"},
    ),
    "test_smb": (
        1,
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": 445,
            "protocol.transport": "tcp",
        },
        {"smb_implant": False, "smb_version_string": "SMB 2.1", "source.naics": ABSENT},
    ),
    "test_telnet": (
        2,
        {
            "time.source": _t("2019-09-04 12:27:40"),
            "source.ip": "198.123.245.145",
            "source.port": 5678,
        },
        {"banner": "|MikroTik v6.45.3 (stable)|Login:", "naics": ABSENT},
    ),
}


def _check(event: dict[str, Any], fields: dict[str, Any], extras: dict[str, Any]) -> None:
    for field, expected in fields.items():
        assert event[field] == expected, field
    extra = _extra(event)
    for key, expected in extras.items():
        if expected is ABSENT:
            assert extra.get(key) is None, key
        else:
            assert extra.get(key) == expected, key


def test_every_family_has_hand_checked_values() -> None:
    assert set(EXPECTED) | RAGGED == set(_stems())


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_hand_checked_values(stem: str) -> None:
    row, fields, extras = EXPECTED[stem]
    _check(_event(_parsed(stem), row), fields, extras)


def test_blocklist_networks_are_networks_not_addresses() -> None:
    # Row 3 of the blocklist lists "198.123.245.0/24" in its ip column.
    event = _event(_parsed("blocklist"), 3)
    assert event["source.network"] == "198.123.245.0/24"
    assert event["source.ip"] is None


def test_the_ragged_ddos_sample_maps_once_its_last_column_is_supplied() -> None:
    """event4_honeypot_ddos rows lack the header's last column (http_agent); with an empty one
    added, every row parses and lands where the table says."""
    lines = (SAMPLES / "event4_honeypot_ddos.csv").read_text(encoding="utf-8").splitlines()
    padded = "\n".join([lines[0], *(line + "," for line in lines[1:] if line)]) + "\n"
    result = _parse("event4_honeypot_ddos", padded.encode())
    assert result.quarantine == []
    assert result.events.height == 3
    _check(
        _event(result, 1),
        {
            "time.source": _t("2010-02-10 00:00:00"),
            "source.ip": "192.168.0.1",
            "source.port": 61234,
            "source.reverse_dns": "node01.example.com",
            "destination.ip": "172.16.0.1",
            "destination.port": 88,
            "malware.name": "mirai",
            "classification.type": "ddos",
        },
        {
            "dst_network": "121.12.110.28/32",
            "attack": "atk10",
            "duration": 30,
            "packet_length": 1440,
            "infection": "ddos",
            "source.naics": ABSENT,
            "http_agent": ABSENT,
        },
    )


# --- Any text in any family's columns ----------------------------------------------------------

# Printable text with the characters that matter to CSV (comma, quote) and to the conversions
# (digits, dots, colons, slashes); line breaks are the engine's own concern (it reads by line).
CELL = st.text(alphabet=st.sampled_from(list("abcXYZ019 .,:/-_\"'|;+éß")), min_size=0, max_size=12)


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_cell_text_gives_an_event_or_a_quarantined_row(data: st.DataObject) -> None:
    """Whatever text a report holds, each of its rows becomes an event or a quarantined row:
    never an exception, never a row lost. Some rows keep the sample's good values in the required
    columns, so events are produced too."""
    stem = data.draw(st.sampled_from([s for s in _stems() if s not in RAGGED]))
    header, sample_rows = _sample(stem)
    required = {rule.column for rule in _report(stem).required_fields}
    count = data.draw(st.integers(min_value=1, max_value=5))
    rows = []
    for index in range(count):
        good = sample_rows[index % len(sample_rows)]
        keep_required = data.draw(st.booleans())
        rows.append(
            [
                good[position] if keep_required and column in required else data.draw(CELL)
                for position, column in enumerate(header)
            ]
        )
    result = _parse(stem, _csv_bytes(header, rows))
    assert result.total == count
    numbers = result.events.get_column("_row").to_list() + [q.row for q in result.quarantine]
    assert sorted(numbers) == list(range(1, count + 1))
    assert all(q.reason for q in result.quarantine)
    for field, value in _report(stem).constant_fields.items():
        assert set(result.events.get_column(field).to_list()) <= {value}


@pytest.mark.parametrize("stem", _stems())
def test_reading_only_the_harmonized_columns_gives_the_same_events(stem: str) -> None:
    """The pipeline reads only the columns that become fields (``keep_extra=False``): every
    harmonized value, row, offset and quarantined line must be what the full read gives."""
    from siaga.feeds.parsers.shadowserver import ChunkParser

    data = (SAMPLES / f"{stem}.csv").read_bytes().removeprefix(b"\xef\xbb\xbf")
    header, _, body = data.partition(b"\n")
    parsed = {
        keep: ChunkParser(
            _report(stem), header.decode(), observation_time=OBSERVED, keep_extra=keep
        ).parse(body, first_row=1, first_offset=len(header) + 1)
        for keep in (True, False)
    }
    assert parsed[False].events.drop("extra").equals(parsed[True].events.drop("extra"))
    assert parsed[False].events.get_column("extra").null_count() == parsed[False].events.height
    assert parsed[False].quarantine == parsed[True].quarantine
