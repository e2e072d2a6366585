"""ThreatFox: the JSON export of IOCs, one event per IOC classified by its threat type."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from siaga.feeds.parsers.abusech.common import (
    datetime_of,
    extra,
    finish,
    flag,
    iso_text,
    text_to_integer,
    unread,
    url_host,
    utc,
    with_host,
)
from siaga.feeds.parsers.abusech.reading import JsonKind, dumps, json_frame, load_json, wrong_top
from siaga.feeds.parsers.common import ParseResult

THREATFOX_FEED = "ThreatFox"

THREATFOX_FIELDS: dict[str, JsonKind] = {
    "ioc_value": "text",
    "ioc_type": "text",
    "threat_type": "text",
    "malware": "text",
    "malware_printable": "text",
    "malware_alias": "list",
    "confidence_level": "integer",
    "first_seen_utc": "text",
    "last_seen_utc": "text",
    "reference": "text",
    "tags": "list",
    "reporter": "text",
}
# ThreatFox threat_type → (RSIT/IntelMQ taxonomy, type); anything else is other/undetermined.
THREATFOX_CLASSIFICATION = {
    "botnet_cc": ("malicious-code", "c2-server"),
    "payload_delivery": ("malicious-code", "malware-distribution"),
    "payload": ("malicious-code", "malware"),
}
# ThreatFox ioc_type → (harmonized field, hex digits) for the hash types.
THREATFOX_HASHES = {
    "md5_hash": ("malware.hash.md5", 32),
    "sha1_hash": ("malware.hash.sha1", 40),
    "sha256_hash": ("malware.hash.sha256", 64),
}
THREATFOX_IOC_TYPES = frozenset({"ip:port", "domain", "url", *THREATFOX_HASHES})


def parse_threatfox_json(data: bytes, *, observation_time: datetime) -> ParseResult:
    """ThreatFox JSON export: one event per IOC, classified by its threat type."""
    document = load_json(data, THREATFOX_FEED)
    if not isinstance(document, dict):
        raise wrong_top(THREATFOX_FEED, "an object of IOC lists keyed by IOC id", document)
    ids: list[str] = []
    records: list[object] = []
    for ioc_id, entries in document.items():  # one key per IOC: loops as many times as records
        listed = entries if isinstance(entries, list) else [entries]
        ids.extend([ioc_id] * len(listed))
        records.extend(listed)
    frame = json_frame(records, [dumps(record) for record in records], THREATFOX_FIELDS)
    frame = frame.with_columns(pl.Series("id", ids, dtype=pl.String).str.strip_chars())
    frame, columns = _threatfox_frame(text_to_integer(frame, "id", "id: not a number"))
    return finish(frame, THREATFOX_FEED, utc(observation_time), columns)


def _threatfox_frame(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, pl.Expr]]:
    """ThreatFox IOC records → the checked frame and the harmonized columns for ``finish``."""
    kind, value = pl.col("ioc_type").str.to_lowercase(), pl.col("ioc_value")
    ip_port = value.str.extract_groups(r"^\[?(?P<ip>[^\[\]]*?)\]?:(?P<port>[0-9]{1,5})$")
    host = (
        pl.when(kind == "url")
        .then(url_host(value))
        .when(kind == "domain")
        .then(value)
        .when(kind == "ip:port")
        .then(ip_port.struct.field("ip"))
    )
    frame = with_host(frame.with_columns(kind.alias("ioc_type")), host).with_columns(
        pl.when(kind == "ip:port").then(ip_port.struct.field("port").cast(pl.Int64)).alias("_port"),
        datetime_of(pl.col("first_seen_utc")).alias("_first"),
        datetime_of(pl.col("last_seen_utc")).alias("_last"),
    )
    hash_checks = [
        (
            (kind == ioc_type) & ~value.str.contains(f"^[0-9A-Fa-f]{{{digits}}}$"),
            f"ioc_value: not a {ioc_type} ({digits} hexadecimal digits)",
        )
        for ioc_type, (_, digits) in THREATFOX_HASHES.items()
    ]
    frame = flag(
        frame,
        [
            (value.is_null(), "ioc_value: missing"),
            (kind.is_null(), "ioc_type: missing"),
            (
                ~kind.is_in(sorted(THREATFOX_IOC_TYPES)),
                "ioc_type: not one of " + ", ".join(sorted(THREATFOX_IOC_TYPES)),
            ),
            ((kind == "url") & value.str.contains(r"\s"), "ioc_value: URL contains white space"),
            ((kind == "url") & pl.col("_host").is_null(), "ioc_value: URL without scheme and host"),
            (
                (kind == "ip:port") & (pl.col("_ip").is_null() | (pl.col("_port") > 65535)),
                "ioc_value: not an IP address and port",
            ),
            (
                kind.is_in(["url", "domain"]) & pl.col("_ip").is_null() & pl.col("_fqdn").is_null(),
                "ioc_value: host is neither an IP address nor a host name",
            ),
            *hash_checks,
            (
                ~pl.col("confidence_level").is_between(0, 100),
                "confidence_level: not between 0 and 100",
            ),
            (
                unread(pl.col("first_seen_utc"), pl.col("_first")),
                "first_seen_utc: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                unread(pl.col("last_seen_utc"), pl.col("_last")),
                "last_seen_utc: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
        ],
    )
    threat = pl.col("threat_type")
    hashes = {
        field: pl.when(kind == ioc_type).then(value.str.to_lowercase())
        for ioc_type, (field, _) in THREATFOX_HASHES.items()
    }
    columns = {
        "classification.taxonomy": threat.replace_strict(
            {k: v[0] for k, v in THREATFOX_CLASSIFICATION.items()},
            default="other",
            return_dtype=pl.String,
        ),
        "classification.type": threat.replace_strict(
            {k: v[1] for k, v in THREATFOX_CLASSIFICATION.items()},
            default="undetermined",
            return_dtype=pl.String,
        ),
        "classification.identifier": pl.col("malware").str.to_lowercase(),
        "time.source": pl.col("_first"),
        "source.ip": pl.col("_ip"),
        "source.port": pl.col("_port"),
        "source.fqdn": pl.col("_fqdn"),
        "source.url": pl.when(kind == "url").then(value),
        "malware.name": pl.col("malware_printable").str.to_lowercase(),
        **hashes,
        "event_description.url": pl.format("https://threatfox.abuse.ch/ioc/{}/", pl.col("id")),
        "extra": extra(
            id=pl.col("id"),
            ioc_type=kind,
            threat_type=threat,
            malware=pl.col("malware"),
            malware_alias=pl.col("malware_alias"),
            confidence_level=pl.col("confidence_level"),
            last_seen=iso_text(pl.col("_last")),
            reference=pl.col("reference"),
            tags=pl.col("tags"),
            reporter=pl.col("reporter"),
        ),
    }
    return frame, columns
