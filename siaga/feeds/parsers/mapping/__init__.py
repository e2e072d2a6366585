"""CSV and JSON reports read the way the operator says: a mapping from harmonized fields to columns.

A partner's or vendor's list rarely comes in a format Siaga knows. Instead of code, the operator
writes a mapping (a JSON object stored in ``Feed.mapping``) that says which column or JSON key holds
which harmonized field (``harmonized.FIELDS``, IntelMQ's names) and how every event is classified.

The mapping, every key but ``fields`` and a classification optional::

    {
      "classification": {"taxonomy": "malicious-code", "type": "c2-server", "identifier": "emotet"},
      "fields": {"source.ip": "ip", "source.port": "port", "time.source": "first_seen",
                 "extra.status": "status"},
      "constants": {"feed.name": "Partner C2 list", "feed.provider": "Partner CERT"},
      "extra": ["reporter", "tags"],
      "time_format": "%Y-%m-%d %H:%M:%S",
      "delimiter": ",", "quote": "\\"", "comment_prefix": "#", "has_header": true,
      "columns": ["ip", "port", ...],
      "records": "data.items"
    }

- ``classification``: the RSIT class (``taxonomy``), ``type`` and ``identifier`` every event gets.
  IntelMQ's spellings and extra types are accepted and mapped (``unauthorized-...``, ``blacklist``
  ...); the taxonomy may be left out, it follows from the type. Any of the three may instead be read
  per record through ``fields`` (``"classification.type": "kind"``); each record's value must then
  be an RSIT type (of the fixed taxonomy, if one is fixed), or the record is quarantined. A type,
  fixed or per record, is required.
- ``fields``: harmonized field → CSV column name, or JSON key. A JSON key may be a dotted path into
  nested objects (``"attributes.ip"``; a number steps into a list); a key that itself holds dots is
  found first. ``extra.<name>`` fields go into the ``extra`` object under ``<name>``; ``raw`` and
  ``extra`` are the parser's own.
- ``constants``: harmonized field → one value for every event (``feed.name``, ``feed.provider``,
  ``feed.code``, ``protocol.transport`` ...), checked like a read value. ``feed.name`` defaults to
  "CSV feed" / "JSON feed" (the pipeline's feed name is the better one to set here).
- ``extra``: columns or keys kept in the ``extra`` object under their own names (JSON values keep
  their JSON types).
- ``time_format``: the ``strftime`` format of the time fields (``%z`` reads an offset; without
  one the time is UTC). Without it a time is read as ISO 8601 (no offset: UTC) or, when the value is
  all digits, as seconds (9-10 digits, with or without a fraction) or milliseconds (12-13 digits)
  since 1970.
- CSV only: ``delimiter`` (one character, default ","), ``quote`` (default '"'), ``comment_prefix``
  (lines starting with it are skipped; default none), ``has_header`` (default true; the header names
  the columns) or ``columns`` (the names, when the report has no header).
- JSON only: ``records``, the dotted path to the list of records in the document (default: the
  document is the list). A report that is not one JSON document is read as JSON lines, one record a
  line (``records`` then does not apply).

``mapping_errors`` lists every problem of a mapping, each naming its key; the parsers refuse a
mapping with problems (``ValueError``), as they refuse a CSV header lacking a mapped column or a
report that is not JSON at all. A record that cannot be read — not UTF-8, a CSV line with the wrong
number of fields, a JSON record that is not an object, a bad IP address, port or time — is
quarantined with a reason naming the field and its column, never dropped. Multi-line quoted CSV
fields are not supported (such lines are quarantined as not well-formed).

The CSV lines are checked with column-wise expressions and read by polars; each JSON record's
mapped values are taken out in Python (the JSON has to be walked anyway) and checked and converted
as columns, with the rules the IntelMQ parser uses for the same fields.
"""

from siaga.feeds.parsers.mapping.csv_reports import parse_mapped_csv
from siaga.feeds.parsers.mapping.json_reports import parse_mapped_json
from siaga.feeds.parsers.mapping.spec import mapping_errors

__all__ = ["mapping_errors", "parse_mapped_csv", "parse_mapped_json"]
