"""The fast paths of the Shadowserver reader and the pipeline give exactly what the careful ones
give: the CSV reader with its end marker against the line-by-line reader, the direct timestamp
reading against cleaning every text, the deduplication key built from literal pieces against
the key of every field, and the chunks read in a thread of their own."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from siaga.constituents.lookup import AssetRecord, OwnershipIndex
from siaga.feeds import pipeline
from siaga.feeds.parsers import shadowserver
from siaga.feeds.parsers.shadowserver import reading
from siaga.feeds.parsers.shadowserver.converting import _cleaned_timestamp, _read_odd_timestamps

OBSERVED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ENTRY = {
    "feed_name": "Open-Example",
    "file_name": "scan_example",
    "constant_fields": {
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "classification.identifier": "open-example",
    },
    "required_fields": [
        ["time.source", "timestamp", "add_UTC_to_timestamp"],
        ["source.ip", "ip", "validate_ip"],
        ["source.port", "port", "convert_int"],
    ],
    "optional_fields": [
        ["source.asn", "asn", "invalidate_zero"],
        ["source.reverse_dns", "hostname", "validate_fqdn"],
        ["source.network", "network", "validate_network"],
        ["extra.", "vulnerable", "convert_bool"],
        ["extra.", "banner"],
    ],
}
HEADER = ["timestamp", "ip", "port", "asn", "hostname", "network", "vulnerable", "banner", "other"]


@pytest.fixture
def report_type(tmp_path: Path) -> shadowserver.ReportType:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"scan_example": ENTRY}))
    return shadowserver.load_schema(path)["scan_example"]


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


_TIMES = [
    "2026-11-29 06:37:00",
    "2026-11-29T06:37:00Z",
    "2026-11-29 06:37:00+00:00",
    "2026-11-29 06:37:00.25",
    " 2026-11-29 06:37:00 ",
    "2026-11-29 06:37:00 UTC",
    "yesterday",
    "",
    '""',
]
_IPS = ["192.0.2.10", "2001:db8::1", "2001:0DB8:0:0::1", " 192.0.2.11 ", "010.0.0.1", "x", "", "  "]
_FREE = st.text(alphabet=st.sampled_from('ab ,"é\tZ'), max_size=8).map(_quoted)
# A column the table does not know goes to ``extra`` as read: a quoted empty value there is ""
# on the fast path and null on the careful one (as before these fast paths), so not drawn here.
_UNKNOWN = st.text(alphabet=st.sampled_from('ab ,"é\tZ'), min_size=1, max_size=8).map(_quoted)
_FIELDS = [
    st.sampled_from(_TIMES),
    st.sampled_from(_IPS),
    st.sampled_from(["21", " 22 ", "x", "", "0", "-1"]),
    st.sampled_from(["64496", "0", "", "n/a", " 7 "]),
    st.sampled_from(["Host.Example.", "", "bad host", '"a,b"', "  "]),
    st.sampled_from(["192.0.2.0/24", "192.0.2.1/24", "2001:db8::/32", "net", ""]),
    st.sampled_from(["yes", "N", "maybe", "", '""']),
    _FREE,
    _UNKNOWN | st.sampled_from(["", "plain"]),
]
_ROW = st.tuples(*_FIELDS).map(list)


@st.composite
def _line(draw: st.DrawFn) -> str:
    fields = draw(_ROW)
    shape = draw(st.sampled_from(["good", "good", "good", "short", "long"]))
    if shape == "short":
        fields = fields[: draw(st.integers(1, len(fields) - 1))]
    elif shape == "long":
        fields += draw(st.lists(_UNKNOWN | st.just("x"), min_size=1, max_size=3))
    return ",".join(fields)


def _parse_both(report_type, data: bytes, keep_extra: bool, monkeypatch):
    parser = shadowserver.ChunkParser(
        report_type, ",".join(HEADER), observation_time=OBSERVED, keep_extra=keep_extra
    )
    fast = parser.parse(data, first_row=7, first_offset=100)
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_fast_path_applies", lambda lines: False)
        careful = parser.parse(data, first_row=7, first_offset=100)
    return fast, careful


def _reason(reason: str) -> str:
    return reason.split(" where the header has ")[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_line(), min_size=1, max_size=12), keep_extra=st.booleans())
def test_the_fast_path_gives_what_the_careful_path_gives(
    report_type, monkeypatch, lines, keep_extra
):
    data = ("\n".join(lines) + "\n").encode()
    fast, careful = _parse_both(report_type, data, keep_extra, monkeypatch)
    assert_frame_equal(fast.events, careful.events)
    # The same rows with the same text and reason; only the wording of a long row's reason
    # differs between the paths ("... has a different number" / "... has 9"), as it always has.
    assert [(q.row, _reason(q.reason), q.raw) for q in fast.quarantine] == [
        (q.row, _reason(q.reason), q.raw) for q in careful.quarantine
    ]
    assert fast.total == sum(1 for line in lines if line)  # an empty line is not a record


def test_misshapen_rows_are_set_aside_in_place_among_good_ones(report_type, monkeypatch):
    good = "2026-11-29 06:37:00,192.0.2.10,21,64496,h.example,,yes,b,o"
    lines = [
        good,
        "2026-11-29 06:37:00,192.0.2.11,22",  # short: read as IntelMQ does
        good + ",extra,values",  # long: quarantined
        '2026-11-29 06:37:00,2001:db8::1,23,"",  ,,,"x,y",o',  # IPv6, blanks, a quoted comma
        "2026-11-29T06:37:00Z,010.0.0.1,24",  # an odd timestamp; an address that is not one
        good,
    ]
    data = ("\n".join(lines) + "\n").encode()
    fast, careful = _parse_both(report_type, data, False, monkeypatch)
    assert_frame_equal(fast.events, careful.events)
    assert fast.events.get_column("_row").to_list() == [7, 8, 10, 12]
    assert fast.events.get_column("source.ip").to_list() == [
        "192.0.2.10",
        "192.0.2.11",
        "2001:db8::1",
        "192.0.2.10",
    ]
    assert [(q.row, q.reason) for q in fast.quarantine] == [
        (9, "11 fields where the header has a different number"),
        (11, "ip: cannot be read"),
    ]
    # Offsets lead back to each line in the file.
    starts = [100 + sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    assert fast.events.get_column("_offset").to_list() == [starts[i] for i in (0, 1, 3, 5)]


_STAMP = st.text(alphabet=st.sampled_from("0123456789-: TZz+.UC"), max_size=26) | st.sampled_from(
    _TIMES
)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(_STAMP | st.none(), min_size=1, max_size=30))
def test_reading_the_usual_spelling_first_gives_what_cleaning_every_text_gives(texts):
    frame = pl.DataFrame({"_t:timestamp": texts}, schema={"_t:timestamp": pl.String})
    direct = frame.with_columns(
        pl.col("_t:timestamp")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_zone="UTC", time_unit="us")
        .alias("_v0")
    )
    fast = _read_odd_timestamps(direct, "_t:timestamp", "_v0").get_column("_v0")
    cleaned = frame.select(_cleaned_timestamp(pl.col("_t:timestamp")).alias("_v0")).to_series()
    assert fast.to_list() == cleaned.to_list()


def _plain_key(frame: pl.DataFrame) -> pl.Series:
    parts = [pl.col(name).cast(pl.String).fill_null("") for name in pipeline.DEDUPE_FIELDS]
    return frame.select(
        pl.concat_str(parts, separator="\x1f").hash(seed=0x51A6A).reinterpret(signed=True)
    ).to_series()


_KEY_VALUES = st.sampled_from([None, "", "a", "b", "a\x1fb"])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), height=st.integers(1, 6))
def test_the_key_from_literal_pieces_is_the_key_of_every_field(data, height):
    columns = {}
    for name in pipeline.DEDUPE_FIELDS:
        if name.endswith(".port"):
            values = data.draw(st.lists(st.none() | st.integers(0, 3), min_size=height))
            columns[name] = pl.Series(name, values[:height], dtype=pl.Int32)
        else:
            constant = data.draw(st.booleans())
            values = (
                [data.draw(_KEY_VALUES)] * height
                if constant
                else data.draw(st.lists(_KEY_VALUES, min_size=height, max_size=height))
            )
            columns[name] = pl.Series(name, values, dtype=pl.String)
    frame = pl.DataFrame(columns)
    key = frame.with_columns(pipeline._dedupe_key(frame)).get_column("dedupe_key")
    assert key.to_list() == _plain_key(frame).to_list()


def test_chunks_are_read_in_a_thread_and_prepared_as_one_at_a_time(report_type, tmp_path, settings):
    settings.SIAGA_FEED_CHUNK_KB = 2
    good = "2026-11-29 06:37:00,192.0.2.{},21,64496,h.example,,yes,b,o"
    path = tmp_path / "2026-11-29-scan_example.csv"
    body = "\n".join([",".join(HEADER), *(good.format(n % 250) for n in range(400)), "short"])
    path.write_text(body + "\n")
    index = OwnershipIndex([AssetRecord(5, "Org", "ip_range", "192.0.2.0/28")])
    parser = shadowserver.ChunkParser(
        report_type, ",".join(HEADER), observation_time=OBSERVED, keep_extra=False
    )
    context = (index, frozenset[int](), None, None)
    threads: set[str] = set()
    read = parser.read

    def reading_thread(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return read(*args, **kwargs)

    parser.read = reading_thread  # type: ignore[method-assign]
    chunks = list(pipeline.chunks(path))
    assert len(chunks) > 5
    ready = list(pipeline.prepared_chunks(pipeline.shadowserver_chunks(parser, path), context))
    assert threads == {"feeds-parse"}
    assert [first_row for first_row, _, _ in ready] == [chunk.first_row for chunk in chunks]
    for chunk, (_, prepared, size) in zip(chunks, ready, strict=True):
        assert prepared is not None and size == len(chunk.data)
        alone = parser.parse(chunk.data, first_row=chunk.first_row, first_offset=chunk.offset)
        assert_frame_equal(prepared.frame, pipeline.prepare(alone.events, *context))
    assert sum(p.frame.height for _, p, _ in ready if p) == 400
    assert [q.row for _, p, _ in ready if p for q in p.quarantine] == [401]


def test_a_consumer_that_stops_early_stops_both_threads(report_type, tmp_path, settings):
    settings.SIAGA_FEED_CHUNK_KB = 4
    path = tmp_path / "2026-11-29-scan_example.csv"
    good = "2026-11-29 06:37:00,192.0.2.1,21,64496,h.example,,yes,b,o\n"
    path.write_text(",".join(HEADER) + "\n" + good * 2_000)
    parser = shadowserver.ChunkParser(report_type, ",".join(HEADER), keep_extra=False)
    context = (OwnershipIndex([]), frozenset[int](), None, None)
    consumer = pipeline.ahead(
        pipeline.prepared_chunks(pipeline.shadowserver_chunks(parser, path), context)
    )
    assert next(consumer)[1] is not None
    names = {"feeds-parse", "feeds-prepare"}
    running = [t for t in threading.enumerate() if t.name in names and t.is_alive()]
    assert {t.name for t in running} == names
    consumer.close()
    for thread in running:
        thread.join(timeout=5)
        assert not thread.is_alive()
