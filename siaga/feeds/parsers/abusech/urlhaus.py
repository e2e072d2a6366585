"""URLhaus: the CSV dump of URLs serving malware, as malware-distribution events."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from siaga.feeds.parsers.abusech.common import (
    datetime_of,
    extra,
    finish,
    flag,
    split_list,
    text_to_integer,
    unread,
    url_host,
    utc,
    with_host,
)
from siaga.feeds.parsers.abusech.reading import read_csv
from siaga.feeds.parsers.common import ParseResult

URLHAUS_FEED = "URLhaus"

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


def parse_urlhaus_csv(data: bytes, *, observation_time: datetime) -> ParseResult:
    """URLhaus CSV dump: one event per URL serving malware."""
    frame = read_csv(data, URLHAUS_COLUMNS, URLHAUS_FEED)
    frame = text_to_integer(frame, "id", "id: not a number")
    frame = with_host(frame, url_host(pl.col("url"))).with_columns(
        datetime_of(pl.col("dateadded")).alias("_added"), split_list(pl.col("tags")).alias("tags")
    )
    frame = flag(
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
                unread(pl.col("dateadded"), pl.col("_added")),
                "dateadded: not a date and time (YYYY-MM-DD HH:MM:SS)",
            ),
        ],
    )
    return finish(
        frame,
        URLHAUS_FEED,
        utc(observation_time),
        {
            "classification.taxonomy": pl.lit("malicious-code"),
            "classification.type": pl.lit("malware-distribution"),
            "time.source": pl.col("_added"),
            "source.url": pl.col("url"),
            "source.ip": pl.col("_ip"),
            "source.fqdn": pl.col("_fqdn"),
            "event_description.url": pl.col("urlhaus_link"),
            "extra": extra(
                id=pl.col("id"),
                url_status=pl.col("url_status"),
                threat=pl.col("threat"),
                tags=pl.col("tags"),
                urlhaus_link=pl.col("urlhaus_link"),
                reporter=pl.col("reporter"),
            ),
        },
    )
