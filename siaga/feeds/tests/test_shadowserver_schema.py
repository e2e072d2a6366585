"""The Shadowserver report table (``parsers/shadowserver_schema.json``): shape, vocabulary, coverage.

The table has the shape of the schema Shadowserver publishes, so that an operator can drop in
Shadowserver's newest file. These tests hold Siaga's own table to more than that shape: every field
is a harmonized one, every conversion one the engine knows, every classification an RSIT pair, and
(against the sample reports in ../shared/data) every column of every sample is mapped — none is
silently dropped — and every conversion fits the values the samples really hold.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import pytest

from siaga.feeds import harmonized
from siaga.feeds.parsers.shadowserver import detect_report, load_schema, read_schema
from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS, normalize_classification

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "parsers" / "shadowserver_schema.json"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
SAMPLES = SHARED / "shadowserver"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)

ENTRY_KEYS = {"feed_name", "file_name", "constant_fields", "required_fields", "optional_fields"}
CONVERSIONS = {
    "add_UTC_to_timestamp",
    "convert_int",
    "convert_float",
    "invalidate_zero",
    "convert_bool",
    "validate_to_none",
    "validate_ip",
    "validate_network",
    "validate_fqdn",
    "convert_http_host_and_url",
}
# IntelMQ's classification.taxonomy values (the RSIT classes without "test").
TAXONOMIES = {
    "abusive-content",
    "malicious-code",
    "information-gathering",
    "intrusion-attempts",
    "intrusions",
    "availability",
    "information-content-security",
    "fraud",
    "vulnerable",
    "other",
}
# The conversion each kind of harmonized field must go through, so that a typed column never
# receives text (None: kept as text).
FIELD_CONVERSIONS: dict[str, set[str | None]] = {
    **{field: {"validate_ip"} for field in harmonized.IP_FIELDS},
    **{field: {"convert_int"} for field in harmonized.PORT_FIELDS},
    **{field: {"invalidate_zero", "convert_int"} for field in harmonized.ASN_FIELDS},
    "time.source": {"add_UTC_to_timestamp"},
    "source.network": {"validate_network"},
    "destination.network": {"validate_network"},
    "source.fqdn": {"validate_fqdn"},
    "destination.fqdn": {"validate_fqdn"},
    "source.url": {"convert_http_host_and_url", None},
    "destination.url": {"convert_http_host_and_url", None},
}
# Sample files without a report type of their own would be a gap; report types without a sample
# are allowed only for these: test_afs comes from IntelMQ's test schema, which has no CSV for it;
# the sinkhole reports (infected hosts: the report a CERT acts on most) follow the columns of
# Shadowserver's published schema and are read in test_shadowserver_sinkholes.py.
WITHOUT_SAMPLE = {
    "test_afs",
    "event4_sinkhole",
    "event6_sinkhole",
    "event4_sinkhole_http",
    "event6_sinkhole_http",
}


def _table() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


TABLE = _table()
KEYS = sorted(TABLE)


def _rules(entry: dict[str, Any]) -> list[list[str]]:
    return [*entry["required_fields"], *entry["optional_fields"]]


def _target(field: str, column: str) -> str:
    """Where a rule writes: a harmonized field, or a key of the extra object ("extra." alone
    means the column's own name, "extra.source.naics" the key "source.naics")."""
    if field.startswith(harmonized.EXTRA_PREFIX):
        return "extra:" + (field.removeprefix(harmonized.EXTRA_PREFIX) or column)
    return field


def _sample_header(stem: str) -> list[str]:
    with (SAMPLES / f"{stem}.csv").open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _sample_rows(stem: str) -> list[dict[str, str]]:
    text = (SAMPLES / f"{stem}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _sample_stems() -> list[str]:
    if not SAMPLES.exists():
        return []
    return sorted(path.stem for path in SAMPLES.glob("*.csv"))


# --- The file and its shape -----------------------------------------------------------------------


def test_the_table_is_a_json_object_of_report_types() -> None:
    assert isinstance(TABLE, dict)
    assert len(TABLE) >= 50
    assert all(isinstance(entry, dict) for entry in TABLE.values())


def test_the_engine_loads_every_entry_without_a_problem() -> None:
    loaded = read_schema(SCHEMA_PATH)
    assert loaded.problems == ()
    assert sorted(loaded.types) == KEYS
    assert sorted(load_schema(SCHEMA_PATH)) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_every_entry_has_shadowservers_shape(key: str) -> None:
    entry = TABLE[key]
    assert set(entry) == ENTRY_KEYS
    # Siaga keys its entries by the file name key, as Shadowserver's own file does.
    assert entry["file_name"] == key
    assert isinstance(entry["feed_name"], str) and entry["feed_name"].strip()
    assert isinstance(entry["constant_fields"], dict)
    for part in ("required_fields", "optional_fields"):
        assert isinstance(entry[part], list)
        for rule in entry[part]:
            assert isinstance(rule, list) and len(rule) in (2, 3), rule
            assert all(isinstance(item, str) and item for item in rule), rule


@pytest.mark.parametrize("key", KEYS)
def test_every_rule_names_a_harmonized_field_and_a_known_conversion(key: str) -> None:
    for field, column, *conversion in _rules(TABLE[key]):
        assert field == harmonized.EXTRA_PREFIX or harmonized.is_field(field), (field, column)
        assert field != "extra", column  # "extra" is the JSON column, not a field to map into
        assert not conversion or conversion[0] in CONVERSIONS, (column, conversion)


@pytest.mark.parametrize("key", KEYS)
def test_typed_fields_go_through_their_conversion(key: str) -> None:
    for field, column, *conversion in _rules(TABLE[key]):
        if field in FIELD_CONVERSIONS:
            assert (conversion[0] if conversion else None) in FIELD_CONVERSIONS[field], (
                field,
                column,
                conversion,
            )


@pytest.mark.parametrize("key", KEYS)
def test_each_field_and_extra_key_is_written_by_one_rule(key: str) -> None:
    """Two rules for one field would make the second one silently lose to the first."""
    entry = TABLE[key]
    targets = [_target(field, column) for field, column, *_ in _rules(entry)]
    assert len(targets) == len(set(targets)), sorted(t for t in targets if targets.count(t) > 1)
    mapped = {field for field, *_ in _rules(entry)}
    assert not mapped & set(entry["constant_fields"]), "a field both constant and mapped"


@pytest.mark.parametrize("key", KEYS)
def test_constant_fields_classify_by_the_rsit(key: str) -> None:
    constants = TABLE[key]["constant_fields"]
    assert all(harmonized.is_field(field) for field in constants), constants
    assert all(isinstance(value, str) and value for value in constants.values()), constants
    taxonomy = constants["classification.taxonomy"]
    assert taxonomy in TAXONOMIES
    rsit_class, rsit_type = normalize_classification(taxonomy, constants["classification.type"])
    assert rsit_type in RSIT_TYPES_BY_CLASS[rsit_class], constants
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", constants["classification.identifier"])
    if "protocol.transport" in constants:
        assert constants["protocol.transport"] in {"tcp", "udp"}


@pytest.mark.parametrize("key", KEYS)
def test_required_fields_say_when_and_who(key: str) -> None:
    required = TABLE[key]["required_fields"]
    assert ["time.source", "timestamp", "add_UTC_to_timestamp"] in required
    # Every report is about something: an address (a blocklist: an address or a network), or for
    # URL and DNS reports a URL or a name.
    subjects = {"source.ip", "source.network", "destination.ip", "source.url", "destination.fqdn"}
    assert subjects & {field for field, *_ in required}


def test_report_types_are_found_by_shadowservers_file_names() -> None:
    """Each key picks its own entry in a file name as Shadowserver writes them, even where another
    key is contained in it (scan_http in scan_http_vulnerable): the longest key wins."""
    schema = load_schema(SCHEMA_PATH)
    for key in KEYS:
        for name in (f"2019-03-06-{key}-asn-region-geo.csv", f"2022-01-10-{key}-id-geo.csv"):
            found = detect_report(name, schema)
            assert found is not None and found.key == key, (name, found and found.key)


def test_a_file_name_without_a_known_key_is_not_guessed() -> None:
    schema = load_schema(SCHEMA_PATH)
    assert detect_report("2022-01-10-scan_something_new-asn-geo.csv", schema) is None
    assert detect_report("report.csv", schema) is None


# --- Against the sample reports --------------------------------------------------------------------


@needs_shared
def test_every_sample_family_has_an_entry_and_every_entry_a_sample() -> None:
    stems = set(_sample_stems())
    assert len(stems) >= 49
    assert stems <= set(KEYS), sorted(stems - set(KEYS))
    assert set(KEYS) - stems == WITHOUT_SAMPLE


@needs_shared
@pytest.mark.parametrize("stem", _sample_stems())
def test_every_sample_is_matched_by_exactly_its_entry(stem: str) -> None:
    schema = load_schema(SCHEMA_PATH)
    found = detect_report(f"{stem}.csv", schema)
    assert found is not None and found.key == stem
    # Also as a real report's name, with date and suffixes around the key.
    found = detect_report(f"2021-03-27-{stem}-asn-region-geo.csv", schema)
    assert found is not None and found.key == stem


@needs_shared
@pytest.mark.parametrize("stem", _sample_stems())
def test_every_column_of_every_sample_is_mapped(stem: str) -> None:
    """None silently dropped: each header column is mapped to a field or kept under extra."""
    mapped = {column for _, column, *_ in _rules(TABLE[stem])}
    header = _sample_header(stem)
    assert [column for column in header if column not in mapped] == []


@needs_shared
@pytest.mark.parametrize("stem", _sample_stems())
def test_the_entry_maps_no_column_the_sample_lacks(stem: str) -> None:
    """Required columns must exist (else the whole file is refused); optional ones should, so that
    a misspelt column name does not go unnoticed."""
    header = set(_sample_header(stem))
    required = [column for _, column, *_ in TABLE[stem]["required_fields"]]
    optional = [column for _, column, *_ in TABLE[stem]["optional_fields"]]
    assert [column for column in required if column not in header] == []
    assert [column for column in optional if column not in header] == []


def _accepts(conversion: str, value: str) -> bool:
    """Whether a non-blank value fits a conversion, by the engine's documented rules."""
    text = value.strip()
    if conversion in ("convert_int", "invalidate_zero"):
        return re.fullmatch(r"[+-]?\d+", text) is not None
    if conversion == "convert_float":
        try:
            float(text)
        except ValueError:
            return False
        return True
    if conversion == "convert_bool":
        return text.lower() in {"y", "n", "yes", "no", "true", "false", "1", "0"}
    if conversion == "validate_ip":
        try:
            ipaddress.ip_address(text)
        except ValueError:
            return False
        return True
    if conversion == "add_UTC_to_timestamp":
        pattern = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,9})?(Z|\+00(:?00)?)?"
        return re.fullmatch(pattern, text) is not None
    return True  # text conversions accept anything


# A column may hold what its conversion refuses only where another rule takes the value: the
# blocklist lists networks in its "ip" column, which source.network receives.
REFUSED_ON_PURPOSE = {("blocklist", "ip", "validate_ip")}


@needs_shared
@pytest.mark.parametrize("stem", _sample_stems())
def test_conversions_fit_the_values_the_samples_hold(stem: str) -> None:
    """A number or flag conversion on a column that holds text would empty the field; the typed
    conversions were chosen from the samples and must accept every value in them."""
    rows = _sample_rows(stem)
    refused = []
    for _, column, *conversion in _rules(TABLE[stem]):
        if not conversion or (stem, column, conversion[0]) in REFUSED_ON_PURPOSE:
            continue
        for number, row in enumerate(rows, 1):
            value = row.get(column) or ""
            if value.strip() and not _accepts(conversion[0], value):
                refused.append((number, column, conversion[0], value))
    assert refused == []


@needs_shared
def test_the_test_entries_are_intelmqs_test_schema() -> None:
    """test_smb and test_telnet as published; test_afs without the field IntelMQ's file invents on
    purpose ("not_in_idf", to test that bad entries are refused), its column kept under extra."""
    published = json.loads((SAMPLES / "intelmq-test-schema.json").read_text(encoding="utf-8"))
    for key in ("test_smb", "test_telnet"):
        assert TABLE[key] == published[key]
    afs = published["test_afs"]
    assert TABLE["test_afs"]["constant_fields"] == afs["constant_fields"]
    assert TABLE["test_afs"]["required_fields"] == [
        rule for rule in afs["required_fields"] if rule[0] != "not_in_idf"
    ]
    assert TABLE["test_afs"]["optional_fields"] == [*afs["optional_fields"], ["extra.", "severity"]]
