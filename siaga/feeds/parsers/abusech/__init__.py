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

Layout: ``feodo``, ``urlhaus``, ``threatfox`` (one module per feed), ``reading`` (JSON and CSV
into columns), ``common`` (value patterns and column checks); this module re-exports the parsers.
"""

from siaga.feeds.parsers.abusech.common import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    HOSTNAME_PATTERN,
    IPV4_PATTERN,
    PROVIDER,
    URL_HOST_PATTERN,
)
from siaga.feeds.parsers.abusech.feodo import (
    FEODO_CSV_COLUMNS,
    FEODO_FEED,
    FEODO_JSON_FIELDS,
    parse_feodo_csv,
    parse_feodo_json,
)
from siaga.feeds.parsers.abusech.threatfox import (
    THREATFOX_CLASSIFICATION,
    THREATFOX_FEED,
    THREATFOX_FIELDS,
    THREATFOX_HASHES,
    THREATFOX_IOC_TYPES,
    parse_threatfox_json,
)
from siaga.feeds.parsers.abusech.urlhaus import URLHAUS_COLUMNS, URLHAUS_FEED, parse_urlhaus_csv

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FEODO_CSV_COLUMNS",
    "FEODO_FEED",
    "FEODO_JSON_FIELDS",
    "HOSTNAME_PATTERN",
    "IPV4_PATTERN",
    "PROVIDER",
    "THREATFOX_CLASSIFICATION",
    "THREATFOX_FEED",
    "THREATFOX_FIELDS",
    "THREATFOX_HASHES",
    "THREATFOX_IOC_TYPES",
    "URLHAUS_COLUMNS",
    "URLHAUS_FEED",
    "URL_HOST_PATTERN",
    "parse_feodo_csv",
    "parse_feodo_json",
    "parse_threatfox_json",
    "parse_urlhaus_csv",
]
