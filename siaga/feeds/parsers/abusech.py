"""Parsers for the abuse.ch feeds: Feodo Tracker (JSON and CSV blocklists), URLhaus (CSV dump) and
ThreatFox (JSON export), each turning a downloaded report into harmonized events.

Formats, as documented on the abuse.ch sites:

- Feodo Tracker ``ipblocklist.json``: a list of objects ``ip_address, port, status, hostname,
  as_number, as_name, country, first_seen ("YYYY-MM-DD HH:MM:SS" UTC), last_online (YYYY-MM-DD),
  malware``. ``ipblocklist.csv``: ``#`` comment lines, then the quoted header
  ``first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware`` and one quoted line per C2.
- URLhaus CSV dumps: ``#`` comment lines, the last of which names the columns
  (``# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter``); every field
  quoted; ``tags`` is a comma-separated list inside one field.
- ThreatFox JSON export: an object keyed by IOC id, each holding a list of IOC objects
  (``ioc_value, ioc_type, threat_type, malware, malware_printable, malware_alias,
  confidence_level, first_seen_utc, last_seen_utc, reference, tags, reporter``).

These reports run to hundreds of thousands of records, so every check and conversion is a polars
expression over whole columns. The only per-record Python work is what JSON needs anyway: taking
the fields out of the decoded objects (with a type check that is one set operation per column when
the column is clean) and writing each object back as JSON text for ``raw``.

A record that cannot be read is quarantined with a reason naming the field, never dropped; a
report that is not the format at all raises ``ValueError``.
"""

from __future__ import annotations

import csv
import io
import ipaddress
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

import orjson
import polars as pl
import polars.selectors as cs

from siaga.feeds import harmonized
from siaga.feeds.parsers.common import ParseResult, QuarantinedRow

PROVIDER = "abuse.ch"
FEODO_FEED = "Feodo Tracker"
URLHAUS_FEED = "URLhaus"
THREATFOX_FEED = "ThreatFox"

_BOM = b"\xef\xbb\xbf"
_SPACE = " \t"  # what may surround a comment mark or fill a blank line (fields: any white space)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4_PATTERN = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
# Letters (any script), digits, '-' and '_' in dot-separated labels: what real feeds carry.
HOSTNAME_PATTERN = r"^[\w-]+(?:\.[\w-]+)*$"
# scheme://[userinfo@]host, host up to the port, path, query or fragment (RFC 3986 section 3).
URL_HOST_PATTERN = (
    r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]/?#@]*\]|[^/?#:@\[\]]*)(?:[:/?#]|$)"
)
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

JsonKind = Literal["text", "integer", "list"]
_KIND_WORDS = {"text": "a string", "integer": "an integer", "list": "a string or a list of strings"}
_I64 = (-(2**63), 2**63 - 1)

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
URLHAUS_COLUMNS = (
    "id",
    "dateadded",
    "url",
    "url_status",
    "threat",
    "tags",
    "urlhaus_link",
    "reporter",
)
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

Check = tuple[pl.Expr, str]


# --- The four parsers ----------------------------------------------------------------------------


def parse_feodo_json(data: bytes, *, observation_time: datetime) -> ParseResult:
    """Feodo Tracker's JSON blocklist: one event per botnet C2 server."""
    records = _load_json(data, FEODO_FEED)
    if not isinstance(records, list):
        raise _wrong_top(FEODO_FEED, "a list of C2 objects", records)
    frame = _json_frame(records, [_dumps(record) for record in records], FEODO_JSON_FIELDS)
    return _feodo_events(frame, {}, _utc(observation_time))


def parse_feodo_csv(data: bytes, *, observation_time: datetime) -> ParseResult:
    """Feodo Tracker's CSV blocklist: the same C2 servers without host name, AS and country."""
    frame = _read_csv(data, tuple(FEODO_CSV_COLUMNS), FEODO_FEED).rename(FEODO_CSV_COLUMNS)
    frame = _text_to_integer(frame, "port", "dst_port: not a port number")
    labels = {field: column for column, field in FEODO_CSV_COLUMNS.items()}
    return _feodo_events(frame, labels, _utc(observation_time))


def parse_urlhaus_csv(data: bytes, *, observation_time: datetime) -> ParseResult:
    """URLhaus CSV dump: one event per URL serving malware."""
    frame = _read_csv(data, URLHAUS_COLUMNS, URLHAUS_FEED)
    frame = _text_to_integer(frame, "id", "id: not a number")
    frame = _with_host(frame, _url_host(pl.col("url"))).with_columns(
        _datetime(pl.col("dateadded")).alias("_added"), _split_list(pl.col("tags")).alias("tags")
    )
    frame = _flag(
        frame,
        [
            (pl.col("url").is_null(), "url: missing"),
            (pl.col("url").str.contains(r"\s"), "url: contains white space"),
            (pl.col("_host").is_null(), "url: no scheme and host"),
            (
                pl.col("_ip").is_null() & pl.col("_fqdn").is_null(),
                "url: host is neither an IP address nor a host name",
            ),
            (
                _unread(pl.col("dateadded"), pl.col("_added")),
                "dateadded: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
        ],
    )
    return _finish(
        frame,
        URLHAUS_FEED,
        _utc(observation_time),
        {
            "classification.taxonomy": pl.lit("malicious-code"),
            "classification.type": pl.lit("malware-distribution"),
            "time.source": pl.col("_added"),
            "source.url": pl.col("url"),
            "source.ip": pl.col("_ip"),
            "source.fqdn": pl.col("_fqdn"),
            "event_description.url": pl.col("urlhaus_link"),
            "extra": _extra(
                id=pl.col("id"),
                url_status=pl.col("url_status"),
                threat=pl.col("threat"),
                tags=pl.col("tags"),
                urlhaus_link=pl.col("urlhaus_link"),
                reporter=pl.col("reporter"),
            ),
        },
    )


def parse_threatfox_json(data: bytes, *, observation_time: datetime) -> ParseResult:
    """ThreatFox JSON export: one event per IOC, classified by its threat type."""
    document = _load_json(data, THREATFOX_FEED)
    if not isinstance(document, dict):
        raise _wrong_top(THREATFOX_FEED, "an object of IOC lists keyed by IOC id", document)
    ids: list[str] = []
    records: list[object] = []
    for ioc_id, entries in document.items():  # one key per IOC: loops as many times as records
        listed = entries if isinstance(entries, list) else [entries]
        ids.extend([ioc_id] * len(listed))
        records.extend(listed)
    frame = _json_frame(records, [_dumps(record) for record in records], THREATFOX_FIELDS)
    frame = frame.with_columns(pl.Series("id", ids, dtype=pl.String).str.strip_chars())
    frame, columns = _threatfox_frame(_text_to_integer(frame, "id", "id: not a number"))
    return _finish(frame, THREATFOX_FEED, _utc(observation_time), columns)


# --- Feed-specific mapping -----------------------------------------------------------------------


def _feodo_events(
    frame: pl.DataFrame, labels: dict[str, str], observation_time: datetime
) -> ParseResult:
    """Feodo Tracker records (JSON field names; ``labels`` gives the report's own column names for
    the reasons) → c2-server events."""
    name = {field: labels.get(field, field) for field in FEODO_JSON_FIELDS}
    frame = _with_columns_if_missing(
        frame,
        {
            "hostname": pl.String(),
            "as_number": pl.Int64(),
            "as_name": pl.String(),
            "country": pl.String(),
        },
    )
    frame = frame.with_columns(
        _ips(frame["ip_address"]).alias("_ip"),
        _host_name(pl.col("hostname")).alias("_fqdn"),
        _datetime(pl.col("first_seen")).alias("_first"),
        _date(pl.col("last_online")).alias("_last"),
    )
    frame = _flag(
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
            (_unread(pl.col("hostname"), pl.col("_fqdn")), f"{name['hostname']}: not a host name"),
            (
                _unread(pl.col("first_seen"), pl.col("_first")),
                f"{name['first_seen']}: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                _unread(pl.col("last_online"), pl.col("_last")),
                f"{name['last_online']}: not a date (YYYY-MM-DD)",
            ),
        ],
    )
    malware = pl.col("malware").str.to_lowercase()
    return _finish(
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
            "extra": _extra(status=pl.col("status"), first_seen=_iso(pl.col("_first"))),
        },
    )


def _threatfox_frame(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, pl.Expr]]:
    """ThreatFox IOC records → the checked frame and the harmonized columns for ``_finish``."""
    kind, value = pl.col("ioc_type").str.to_lowercase(), pl.col("ioc_value")
    ip_port = value.str.extract_groups(r"^\[?(?P<ip>[^\[\]]*?)\]?:(?P<port>[0-9]{1,5})$")
    host = (
        pl.when(kind == "url")
        .then(_url_host(value))
        .when(kind == "domain")
        .then(value)
        .when(kind == "ip:port")
        .then(ip_port.struct.field("ip"))
    )
    frame = _with_host(frame.with_columns(kind.alias("ioc_type")), host).with_columns(
        pl.when(kind == "ip:port").then(ip_port.struct.field("port").cast(pl.Int64)).alias("_port"),
        _datetime(pl.col("first_seen_utc")).alias("_first"),
        _datetime(pl.col("last_seen_utc")).alias("_last"),
    )
    hash_checks = [
        (
            (kind == ioc_type) & ~value.str.contains(f"^[0-9A-Fa-f]{{{digits}}}$"),
            f"ioc_value: not a {ioc_type} ({digits} hexadecimal digits)",
        )
        for ioc_type, (_, digits) in THREATFOX_HASHES.items()
    ]
    frame = _flag(
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
                _unread(pl.col("first_seen_utc"), pl.col("_first")),
                "first_seen_utc: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                _unread(pl.col("last_seen_utc"), pl.col("_last")),
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
        "extra": _extra(
            id=pl.col("id"),
            ioc_type=kind,
            threat_type=threat,
            malware=pl.col("malware"),
            malware_alias=pl.col("malware_alias"),
            confidence_level=pl.col("confidence_level"),
            last_seen=_iso(pl.col("_last")),
            reference=pl.col("reference"),
            tags=pl.col("tags"),
            reporter=pl.col("reporter"),
        ),
    }
    return frame, columns


# --- Reading reports -----------------------------------------------------------------------------


def _load_json(data: bytes, feed: str) -> object:
    """The decoded document, or ValueError when the report is not JSON."""
    try:
        return orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{feed}: the report is not JSON ({exc})") from exc


def _wrong_top(feed: str, expected: str, document: object) -> ValueError:
    """The error for valid JSON of the wrong shape (an API error object, say, instead of data)."""
    return ValueError(
        f"{feed}: expected {expected} at the top level, got {type(document).__name__}"
    )


def _dumps(record: object) -> str:
    """A decoded JSON record as compact JSON text: what ``raw`` and the quarantine keep."""
    return orjson.dumps(record).decode()


def _json_frame(
    records: Sequence[object], texts: list[str], fields: dict[str, JsonKind]
) -> pl.DataFrame:
    """One typed column per field; a record that is not an object, or a field of the wrong JSON
    type, gets its reason in ``_reason`` (the value itself becomes null)."""
    objects = [record if isinstance(record, dict) else None for record in records]
    not_object = [obj is None for obj in objects]
    columns: dict[str, pl.Series] = {"_not_object": pl.Series(not_object, dtype=pl.Boolean)}
    checks: list[Check] = [(pl.col("_not_object"), "record is not a JSON object")]
    for field, kind in fields.items():
        values = [None if obj is None else obj.get(field) for obj in objects]
        columns[field], wrong = _json_column(values, kind)
        if wrong is not None:
            columns[f"_wrong_{field}"] = wrong
            checks.append(
                (pl.col(f"_wrong_{field}"), f"{field}: wrong type, expected {_KIND_WORDS[kind]}")
            )
    frame = pl.DataFrame(
        {
            "_row": pl.int_range(1, len(records) + 1, eager=True, dtype=pl.Int64),
            "_text": pl.Series(texts, dtype=pl.String),
            "_reason": pl.Series([None] * len(records), dtype=pl.String),
            **columns,
        }
    )
    frame = _flag(frame, checks)
    return _blank_to_null(frame.drop(cs.starts_with("_wrong_", "_not_object")))


def _json_column(values: list[object], kind: JsonKind) -> tuple[pl.Series, pl.Series | None]:
    """Values of one field as a typed column, and a mask of the wrong-typed ones (None if none).

    The common case, a clean column, is one set of types and one Series construction; only a
    column that holds a wrong type (or a list) is walked value by value."""
    types = set(map(type, values))
    if types <= {str, type(None)} and kind != "integer":
        text = pl.Series(values, dtype=pl.String)
        return (
            text if kind == "text" else pl.select(_tidy_list(text.str.split(","))).to_series()
        ), None
    if types <= {int, type(None)} and kind == "integer":
        try:
            return pl.Series(values, dtype=pl.Int64), None
        except (TypeError, OverflowError, pl.exceptions.PolarsError):
            pass  # an integer beyond 64 bits: found below
    good = [_right_type(value, kind) for value in values]
    kept = [value if ok else None for value, ok in zip(values, good, strict=True)]
    wrong = pl.Series(
        [value is not None and not ok for value, ok in zip(values, good, strict=True)]
    )
    if kind == "list":
        lists = [value.split(",") if isinstance(value, str) else value for value in kept]
        column = pl.select(_tidy_list(pl.Series(lists, dtype=pl.List(pl.String)))).to_series()
    else:
        column = pl.Series(kept, dtype=pl.String if kind == "text" else pl.Int64)
    return column, wrong if wrong.any() else None


def _right_type(value: object, kind: JsonKind) -> bool:
    """Whether one JSON value has the type a field of ``kind`` takes (bool is not an integer)."""
    if kind == "integer":
        return type(value) is int and _I64[0] <= value <= _I64[1]
    if kind == "list" and type(value) is list:
        return all(type(item) is str for item in value)
    return type(value) is str


def _read_csv(data: bytes, columns: tuple[str, ...], feed: str) -> pl.DataFrame:
    """The records of an abuse.ch CSV report as text columns named by its header, with ``_row``,
    ``_text`` (the line) and ``_reason``. Lines that are not well-formed CSV, or have the wrong
    number of fields, are flagged before polars reads the rest (so one bad line cannot shift or
    merge the others)."""
    lines = data.removeprefix(_BOM).splitlines()
    start, names = _find_header(lines, columns, feed)
    texts, utf8 = _decode_lines(lines[start + 1 :])
    text = pl.col("_text")
    frame = (
        pl.DataFrame(
            {"_text": texts, "_utf8": utf8}, schema={"_text": pl.String, "_utf8": pl.Boolean}
        )
        .filter(
            ~(
                text.str.strip_chars(_SPACE).str.starts_with("#")
                | (text.str.strip_chars(_SPACE) == "")
            )
        )
        .with_row_index("_row", offset=1)
        .with_columns(pl.col("_row").cast(pl.Int64), pl.lit(None, dtype=pl.String).alias("_reason"))
    )
    field = r'(?:"(?:[^"]|"")*"|[^",]*)'
    fields = text.str.replace_all(r'"(?:[^"]|"")*"', "").str.count_matches(",") + 1
    frame = _flag(
        frame,
        [
            (~pl.col("_utf8"), "line is not valid UTF-8"),
            (~text.str.contains(f"^{field}(?:,{field})*$"), "line is not well-formed CSV"),
            (fields != len(names), f"expected {len(names)} fields as in the header"),
        ],
    )
    good, bad = (
        frame.filter(pl.col("_reason").is_null()),
        frame.filter(pl.col("_reason").is_not_null()),
    )
    if good.height:
        body = good.select(text.str.join("\n")).item().encode()
        schema = dict.fromkeys(names, pl.String())
        values = pl.read_csv(io.BytesIO(body), has_header=False, schema=schema, quote_char='"')
        if values.height != good.height:  # the checks above make this unreachable; be loud if not
            raise ValueError(
                f"{feed}: CSV reader found {values.height} records in {good.height} lines"
            )
        good = good.hstack(values.select(columns))
    frame = pl.concat([good, bad], how="diagonal").sort("_row")
    return _blank_to_null(_with_columns_if_missing(frame, dict.fromkeys(columns, pl.String())))


def _find_header(lines: list[bytes], columns: tuple[str, ...], feed: str) -> tuple[int, list[str]]:
    """Index and column names of the header: the first line, commented out or not, naming every
    column we read. Only comment and blank lines may come before it."""
    for index, line in enumerate(lines):
        text = line.decode("utf-8", "replace").strip(_SPACE)
        names = _header_names(text.lstrip("#").strip(_SPACE))
        if set(columns) <= set(names):
            if len(set(names)) != len(names):
                raise ValueError(f"{feed}: the CSV header names a column twice: {text}")
            return index, names
        if text and not text.startswith("#"):
            break
    raise ValueError(f"{feed}: no CSV header naming {', '.join(columns)} before the first record")


def _header_names(text: str) -> list[str]:
    """The lower-case column names a candidate header line holds (quoted or not)."""
    try:
        return [name.strip().lower() for name in next(csv.reader([text]), [])]
    except csv.Error:
        return []


def _decode_lines(lines: list[bytes]) -> tuple[list[str], list[bool]]:
    """Lines as text and whether each was valid UTF-8 (an invalid one keeps U+FFFD in its text)."""
    if not lines:
        return [], []
    try:  # one decode for the whole report; lines hold no line breaks, so splitting is exact
        return b"\n".join(lines).decode("utf-8").split("\n"), [True] * len(lines)
    except UnicodeDecodeError:
        texts = [line.decode("utf-8", "replace") for line in lines]
        return texts, [
            text.encode("utf-8") == line for text, line in zip(texts, lines, strict=True)
        ]


# --- Column helpers ------------------------------------------------------------------------------


def _flag(frame: pl.DataFrame, checks: Iterable[Check]) -> pl.DataFrame:
    """Record the first failing check's reason in ``_reason`` (an earlier reason stays). A check
    that evaluates to null, such as one on a missing optional field, does not fail."""
    failures = [pl.when(bad).then(pl.lit(reason)) for bad, reason in checks]
    return frame.with_columns(pl.coalesce(pl.col("_reason"), *failures).alias("_reason"))


def _finish(
    frame: pl.DataFrame, feed: str, observation_time: datetime, columns: dict[str, pl.Expr]
) -> ParseResult:
    """Events from the unflagged records, quarantined rows from the flagged ones."""
    flagged = frame.filter(pl.col("_reason").is_not_null()).select("_row", "_reason", "_text")
    quarantine = [
        QuarantinedRow(row=row, reason=reason, raw=text)
        for row, reason, text in flagged.iter_rows()
    ]
    events = frame.filter(pl.col("_reason").is_null()).select(
        pl.lit(feed).alias("feed.name"),
        pl.lit(PROVIDER).alias("feed.provider"),
        pl.lit(observation_time, dtype=harmonized.UTC_TIME).alias("time.observation"),
        *[expr.alias(name) for name, expr in columns.items()],
        pl.col("_text").str.encode("base64").alias("raw"),
        pl.col("_row"),
    )
    return ParseResult(events=harmonized.conform(events), quarantine=quarantine)


def _utc(moment: datetime) -> datetime:
    """The observation time in UTC; a naive one is a caller's mistake, not something to guess."""
    if moment.tzinfo is None:
        raise ValueError("observation_time must be timezone-aware")
    return moment.astimezone(UTC)


def _with_columns_if_missing(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Null columns for fields a report variant does not have, so one mapping serves all."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in columns.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim the report's text fields; an empty one is a missing one."""
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and not name.startswith("_")
    ]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(text).str.strip_chars() != "").then(pl.col(text).str.strip_chars())
    )


def _text_to_integer(frame: pl.DataFrame, column: str, reason: str) -> pl.DataFrame:
    """A CSV or JSON-key column of digits as Int64, flagging what is not a (short) number."""
    digits = pl.col(column).str.contains("^[0-9]{1,18}$")
    frame = _flag(frame, [(~digits, reason)])
    return frame.with_columns(
        pl.when(digits).then(pl.col(column).cast(pl.Int64, strict=False)).alias(column)
    )


def _unread(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """A value was given but could not be converted."""
    return text.is_not_null() & parsed.is_null()


def _datetime(text: pl.Expr) -> pl.Expr:
    """Text in the form YYYY-MM-DD HH:MM:SS as a UTC time; null for anything else, including
    years Python cannot hold."""
    parsed = text.str.strptime(pl.Datetime("us"), DATETIME_FORMAT, strict=False)
    return pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed).dt.replace_time_zone("UTC")


def _date(text: pl.Expr) -> pl.Expr:
    """Text in the form YYYY-MM-DD as midnight UTC of that day; null for anything else."""
    parsed = text.str.strptime(pl.Date, DATE_FORMAT, strict=False)
    day = pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed)
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _iso(moment: pl.Expr) -> pl.Expr:
    """A UTC time as ISO 8601 text, the way IntelMQ writes times."""
    return moment.dt.to_string("%Y-%m-%dT%H:%M:%S+00:00")


def _split_list(text: pl.Expr) -> pl.Expr:
    """A comma-separated field as a list of items."""
    return _tidy_list(text.str.split(","))


def _tidy_list(items: pl.Expr | pl.Series) -> pl.Expr:
    """Items trimmed, empty ones left out; null when none is left."""
    tidy = pl.lit(items) if isinstance(items, pl.Series) else items
    tidy = tidy.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element() != "")
    )
    return pl.when(tidy.list.len() > 0).then(tidy)


def _url_host(url: pl.Expr) -> pl.Expr:
    """The host of a URL (IPv6 still in brackets); null without a scheme or host."""
    host = url.str.extract(URL_HOST_PATTERN, 1)
    return pl.when(host != "").then(host)


def _host_name(text: pl.Expr) -> pl.Expr:
    """A host name, lower-case without the root dot; null if it is not one. All-numeric names are
    malformed IPv4 addresses, not names."""
    name = text.str.to_lowercase().str.strip_suffix(".")
    valid = (
        name.str.contains(HOSTNAME_PATTERN)
        & ~name.str.contains(r"^[0-9.]+$")
        & (name.str.len_chars() <= 253)
    )
    return pl.when(valid).then(name)


def _with_host(frame: pl.DataFrame, host: pl.Expr) -> pl.DataFrame:
    """``_host`` as given, and ``_ip`` or ``_fqdn``: the address or the name it holds."""
    frame = frame.with_columns(host.alias("_host"))
    bracketed = frame["_host"].str.starts_with("[") & frame["_host"].str.ends_with("]")
    literal = pl.select(
        pl.when(bracketed).then(frame["_host"].str.slice(1).str.head(-1)).otherwise(frame["_host"])
    ).to_series()
    return frame.with_columns(
        _ips(literal).alias("_ip"),
        pl.when(~bracketed).then(_host_name(pl.col("_host"))).alias("_fqdn"),
    )


def _ips(texts: pl.Series) -> pl.Series:
    """IP addresses in their normal text form, null where the text is not one. IPv4 is checked as
    a column; the few IPv6 candidates (texts with a colon) go through ``ipaddress`` once each."""
    is_v4 = texts.str.contains(IPV4_PATTERN)
    candidates = texts.filter(~is_v4 & texts.str.contains(":")).unique().to_list()
    v6 = {text: _ipv6(text) for text in candidates}
    normal_v6 = texts.replace_strict(v6, default=None, return_dtype=pl.String)
    return pl.select(pl.when(is_v4).then(texts).otherwise(normal_v6)).to_series()


def _ipv6(text: str) -> str | None:
    """The compressed form of an IPv6 address, or None."""
    if "%" in text:  # a zone index names an interface of the reporting host, not an address
        return None
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def _extra(**members: pl.Expr) -> pl.Expr:
    """The ``extra`` JSON object; null members are left out, and no members at all is null."""
    encoded = [
        pl.when(expr.is_not_null()).then(
            pl.struct(expr.alias(key)).struct.json_encode().str.slice(1).str.head(-1)
        )
        for key, expr in members.items()
    ]
    body = pl.concat_str(encoded, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.concat_str([pl.lit("{"), body, pl.lit("}")]))
