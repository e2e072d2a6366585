"""Shadowserver's sinkhole reports (infected hosts that called a sinkhole): ``event4_sinkhole``,
``event6_sinkhole`` and their HTTP variants. The public samples hold none of them, so their
columns are those of Shadowserver's published schema, and the rows here are written for the test
(and by the benchmark's generator, which writes ``event4_sinkhole_http`` reports)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from benchmarks.feeds.generate import constituent_networks, write_shadowserver_report
from siaga.feeds.parsers.shadowserver import detect_report, parse_report

# The columns of the current reports, in Shadowserver's order.
SINKHOLE = (
    "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,src_hostname,"
    "src_naics,src_sector,device_vendor,device_type,device_model,severity,dst_ip,dst_port,"
    "dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,public_source,"
    "infection,family,tag,application,version,event_id,ssl_cipher,ssl_servername"
)
SINKHOLE_HTTP = SINKHOLE.replace(
    "event_id,ssl_cipher,ssl_servername",
    "event_id,http_url,http_host,http_agent,forwarded_by,ssl_cipher,http_referer,ssl_servername",
)


@pytest.mark.parametrize(
    ("file_name", "key", "feed_name"),
    [
        ("2026-11-29-event4_sinkhole-id.csv", "event4_sinkhole", "Sinkhole-Events IPv4"),
        ("2026-11-29-event6_sinkhole-id.csv", "event6_sinkhole", "Sinkhole-Events IPv6"),
        (
            "2026-11-29-event4_sinkhole_http-id.csv",
            "event4_sinkhole_http",
            "Sinkhole-Events-HTTP IPv4",
        ),
        (
            "2026-11-29-event6_sinkhole_http-id.csv",
            "event6_sinkhole_http",
            "Sinkhole-Events-HTTP IPv6",
        ),
        # The longest report name in the file name wins: these are other reports.
        ("2026-11-29-event4_sinkhole_dns-id.csv", "event4_sinkhole_dns", "Sinkhole-DNS-Events"),
        (
            "2026-11-29-event4_microsoft_sinkhole_http-id.csv",
            "event4_microsoft_sinkhole_http",
            "Microsoft-Sinkhole-Events-HTTP",
        ),
    ],
)
def test_each_sinkhole_report_is_known_by_its_file_name(file_name, key, feed_name):
    found = detect_report(file_name)
    assert found is not None and (found.key, found.feed_name) == (key, feed_name)


def test_a_sinkhole_report_maps_an_infected_host_and_keeps_every_other_column():
    row = (
        '"2026-11-29 03:04:05","tcp","192.0.2.7",49245,64500,"ID","DKI JAKARTA","JAKARTA",'
        '"ws-12.rs.example",622110,"Healthcare",,,,"high","198.51.100.9",443,64501,"US",'
        '"VIRGINIA","ASHBURN",,,,"CWG","necurs","necurs","botnet",,,,"TLS_AES_128_GCM_SHA256",'
        '"c2.example.net"'
    )
    parsed = parse_report(
        f"{SINKHOLE}\n{row}\n".encode(),
        "2026-11-29-event4_sinkhole-id.csv",
        observation_time=datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert parsed.quarantine == []
    [event] = parsed.events.to_dicts()
    assert event["classification.taxonomy"] == "malicious-code"
    assert event["classification.type"] == "infected-system"
    assert event["classification.identifier"] == "sinkhole"
    assert event["source.ip"] == "192.0.2.7" and event["source.port"] == 49245
    assert event["destination.ip"] == "198.51.100.9" and event["destination.port"] == 443
    assert event["malware.name"] == "necurs"
    assert event["time.source"] == datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC)
    extra = event["extra"]
    assert extra["severity"] == "high" and extra["ssl_servername"] == "c2.example.net"
    assert extra["source.sector"] == "Healthcare" and extra["family"] == "necurs"


def test_an_ipv6_sinkhole_http_report_reads_its_addresses_and_host():
    row = (
        '"2026-11-29 03:04:05","tcp","2001:DB8:0:0::7",51000,64500,"ID",,,,,,,,,,'
        '"2001:db8:ffff::1",80,64501,"DE",,,,,,"CWG","andromeda","andromeda",,,,,'
        '"/gate.php","Sinkhole.Example.",'
        '"Mozilla/4.0 (compatible, MSIE 6.0)",,,,'
    )
    parsed = parse_report(
        f"{SINKHOLE_HTTP}\n{row}\n".encode(), "2026-11-29-event6_sinkhole_http-id.csv"
    )
    assert parsed.quarantine == []
    [event] = parsed.events.to_dicts()
    assert event["feed.name"] == "Sinkhole-Events-HTTP IPv6"
    assert event["source.ip"] == "2001:db8::7"  # canonical, as every address is stored
    assert event["destination.ip"] == "2001:db8:ffff::1"
    assert event["destination.fqdn"] == "sinkhole.example"
    assert event["protocol.application"] == "http"
    assert event["extra"]["http_url"] == "/gate.php"


def test_every_row_of_a_generated_sinkhole_http_report_is_mapped_or_quarantined(tmp_path: Path):
    path = tmp_path / "2026-11-29-event4_sinkhole_http-bench.csv"
    stats = write_shadowserver_report(
        path, 2_000, 11, constituent_networks(50, 11), "event4_sinkhole_http"
    )
    parsed = parse_report(path.read_bytes(), path.name)
    assert parsed.events.height + len(parsed.quarantine) == stats.rows
    assert len(parsed.quarantine) == stats.malformed > 0
    assert all(row.reason for row in parsed.quarantine)
    names = parsed.events.select(pl.col("feed.name").unique()).to_series().to_list()
    assert names == ["Sinkhole-Events-HTTP IPv4"]
    assert parsed.events.get_column("source.ip").null_count() == 0
