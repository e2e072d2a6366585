"""Feodo Tracker: the JSON and CSV blocklists of botnet C2 servers, as c2-server events."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from siaga.feeds.parsers.abusech.common import (
    date_of,
    datetime_of,
    extra,
    finish,
    flag,
    host_name,
    ips,
    iso_text,
    text_to_integer,
    unread,
    utc,
    with_columns_if_missing,
)
from siaga.feeds.parsers.abusech.reading import (
    JsonKind,
    dumps,
    json_frame,
    load_json,
    read_csv,
    wrong_top,
)
from siaga.feeds.parsers.common import ParseResult

FEODO_FEED = "Feodo Tracker"

FEODO_JSON_FIELDS: dict[str, JsonKind] = {
    "ip_address": "text",
    "port": "integer",
    "status": "text",
    "hostname": "text",
    "as_number": "integer",
    "as_name": "text",
    "country": "text",
    "first_seen": "text",
    "last_online": "text",
    "malware": "text",
}
# CSV column → the JSON field it carries, so one function turns both variants into events.
FEODO_CSV_COLUMNS = {
    "first_seen_utc": "first_seen",
    "dst_ip": "ip_address",
    "dst_port": "port",
    "c2_status": "status",
    "last_online": "last_online",
    "malware": "malware",
}


def parse_feodo_json(data: bytes, *, observation_time: datetime) -> ParseResult:
    """Feodo Tracker's JSON blocklist: one event per botnet C2 server."""
    records = load_json(data, FEODO_FEED)
    if not isinstance(records, list):
        raise wrong_top(FEODO_FEED, "a list of C2 objects", records)
    frame = json_frame(records, [dumps(record) for record in records], FEODO_JSON_FIELDS)
    return _feodo_events(frame, {}, utc(observation_time))


def parse_feodo_csv(data: bytes, *, observation_time: datetime) -> ParseResult:
    """Feodo Tracker's CSV blocklist: the same C2 servers without host name, AS and country."""
    frame = read_csv(data, tuple(FEODO_CSV_COLUMNS), FEODO_FEED).rename(FEODO_CSV_COLUMNS)
    frame = text_to_integer(frame, "port", "dst_port: not a port number")
    labels = {field: column for column, field in FEODO_CSV_COLUMNS.items()}
    return _feodo_events(frame, labels, utc(observation_time))


def _feodo_events(
    frame: pl.DataFrame, labels: dict[str, str], observation_time: datetime
) -> ParseResult:
    """Feodo Tracker records (JSON field names; ``labels`` gives the report's own column names for
    the reasons) → c2-server events."""
    name = {field: labels.get(field, field) for field in FEODO_JSON_FIELDS}
    frame = with_columns_if_missing(
        frame,
        {
            "hostname": pl.String(),
            "as_number": pl.Int64(),
            "as_name": pl.String(),
            "country": pl.String(),
        },
    )
    frame = frame.with_columns(
        ips(frame["ip_address"]).alias("_ip"),
        host_name(pl.col("hostname")).alias("_fqdn"),
        datetime_of(pl.col("first_seen")).alias("_first"),
        date_of(pl.col("last_online")).alias("_last"),
    )
    frame = flag(
        frame,
        [
            (pl.col("ip_address").is_null(), f"{name['ip_address']}: missing"),
            (pl.col("_ip").is_null(), f"{name['ip_address']}: not an IP address"),
            (~pl.col("port").is_between(0, 65535), f"{name['port']}: not a port number (0-65535)"),
            (
                ~pl.col("as_number").is_between(0, 2**32 - 1),
                f"{name['as_number']}: not an AS number",
            ),
            (
                ~pl.col("country").str.contains("^[A-Za-z]{2}$"),
                f"{name['country']}: not a two-letter country code",
            ),
            (unread(pl.col("hostname"), pl.col("_fqdn")), f"{name['hostname']}: not a host name"),
            (
                unread(pl.col("first_seen"), pl.col("_first")),
                f"{name['first_seen']}: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                unread(pl.col("last_online"), pl.col("_last")),
                f"{name['last_online']}: not a date (YYYY-MM-DD)",
            ),
        ],
    )
    malware = pl.col("malware").str.to_lowercase()
    return finish(
        frame,
        FEODO_FEED,
        observation_time,
        {
            "classification.taxonomy": pl.lit("malicious-code"),
            "classification.type": pl.lit("c2-server"),
            "classification.identifier": malware,
            # last_online is when the C2 last answered; entries without it have first_seen only.
            "time.source": pl.coalesce(pl.col("_last"), pl.col("_first")),
            "source.ip": pl.col("_ip"),
            "source.port": pl.col("port"),
            "source.asn": pl.col("as_number"),
            "source.as_name": pl.col("as_name"),
            "source.fqdn": pl.col("_fqdn"),
            "source.geolocation.cc": pl.col("country").str.to_uppercase(),
            "malware.name": malware,
            "extra": extra(status=pl.col("status"), first_seen=iso_text(pl.col("_first"))),
        },
    )
