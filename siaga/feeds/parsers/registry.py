"""Which parser reads a whole report, by the feed's parser kind.

Shadowserver reports are read in chunks by ``shadowserver.ChunkParser`` (they run to gigabytes);
every other kind is a list small enough to read whole and goes through ``parse_whole``. The mapped
CSV/JSON parsers also need the operator's mapping (``Feed.mapping``); the others ignore it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from siaga.feeds.choices import ParserKind
from siaga.feeds.parsers import abusech, intelmq, mapping
from siaga.feeds.parsers.common import ParseResult
from siaga.feeds.parsers.stix_bundle import parse_stix_bundle

# Parsers that need only the bytes and the observation time.
PLAIN_PARSERS: dict[str, Callable[..., ParseResult]] = {
    ParserKind.FEODO_JSON: abusech.parse_feodo_json,
    ParserKind.FEODO_CSV: abusech.parse_feodo_csv,
    ParserKind.URLHAUS_CSV: abusech.parse_urlhaus_csv,
    ParserKind.THREATFOX_JSON: abusech.parse_threatfox_json,
    ParserKind.INTELMQ_JSONL: intelmq.parse_intelmq_jsonl,
    ParserKind.STIX: parse_stix_bundle,
}
# Parsers that read the report the way the operator's mapping says.
MAPPED_PARSERS: dict[str, Callable[..., ParseResult]] = {
    ParserKind.MAPPED_CSV: mapping.parse_mapped_csv,
    ParserKind.MAPPED_JSON: mapping.parse_mapped_json,
}
WHOLE_FILE_KINDS = frozenset({*PLAIN_PARSERS, *MAPPED_PARSERS})


def parse_whole(
    parser_kind: str,
    data: bytes,
    *,
    observation_time: datetime,
    mapping: Mapping[str, Any] | None = None,
) -> ParseResult:
    """Parse a whole report. ``ValueError`` for a kind that is not read whole (or unknown), for a
    mapped kind without a usable mapping, and for a report that is not its format at all."""
    plain = PLAIN_PARSERS.get(parser_kind)
    if plain is not None:
        return plain(data, observation_time=observation_time)
    mapped = MAPPED_PARSERS.get(parser_kind)
    if mapped is None:
        raise ValueError(f"no whole-file parser for {str(parser_kind)!r}")
    return mapped(data, dict(mapping or {}), observation_time=observation_time)
