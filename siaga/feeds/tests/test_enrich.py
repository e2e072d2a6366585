"""ASN and geolocation from the MaxMind test databases (../shared/data/mmdb), column-wise."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from siaga.feeds import enrich, harmonized

MMDB = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "mmdb"
pytestmark = pytest.mark.skipif(
    not MMDB.exists(), reason="../shared/data is not here (a user's clone); CI has it"
)


@pytest.fixture(autouse=True)
def databases(settings):
    settings.SIAGA_MMDB_ASN = str(MMDB / "GeoLite2-ASN-Test.mmdb")
    settings.SIAGA_MMDB_CITY = str(MMDB / "GeoIP2-City-Test.mmdb")


def events(**columns) -> pl.DataFrame:
    return harmonized.conform(pl.DataFrame(columns))


def test_missing_asn_and_location_are_filled_from_the_databases():
    # Values from the databases themselves (maxminddb's test data): 1.0.0.0/24 is AS15169,
    # 2.2.3.0/24 is Boxford, GB; 2001:218::/32 is in Japan.
    frame = enrich.enrich(events(**{"source.ip": ["1.0.0.1", "2.2.3.4", "2001:218::1", None]}))
    rows = frame.select(
        "source.asn", "source.as_name", "source.geolocation.cc", "source.geolocation.city"
    ).rows()
    assert rows == [
        (15169, "Google Inc.", None, None),
        (None, None, "GB", "Boxford"),
        (None, None, "JP", None),
        (None, None, None, None),
    ]
    assert frame.get_column("source.geolocation.latitude").to_list()[1] == 51.75


def test_values_the_report_gave_are_kept_and_not_mixed_with_other_networks():
    frame = enrich.enrich(
        events(
            **{
                "source.ip": ["1.0.0.1", "1.0.0.2", "2.2.3.4"],
                "source.asn": [64500, 15169, None],
                "source.geolocation.cc": [None, None, "ID"],
            }
        )
    )
    # The report's AS64500 stays, without Google's name; the matching one gets its name.
    assert frame.get_column("source.asn").to_list() == [64500, 15169, None]
    assert frame.get_column("source.as_name").to_list() == [None, "Google Inc.", None]
    # The report says Indonesia; the database's Boxford (GB) is not put beside it.
    assert frame.get_column("source.geolocation.city").to_list() == [None, None, None]


def test_destination_addresses_are_enriched_too():
    frame = enrich.enrich(events(**{"destination.ip": ["1.0.0.1"]}))
    assert frame.get_column("destination.asn").to_list() == [15169]


def test_without_configured_databases_nothing_changes(settings):
    settings.SIAGA_MMDB_ASN = ""
    settings.SIAGA_MMDB_CITY = ""
    frame = events(**{"source.ip": ["1.0.0.1"]})
    assert enrich.enrich(frame).equals(frame)


def test_a_replaced_database_file_is_read_again(settings, tmp_path):
    copy = tmp_path / "asn.mmdb"
    copy.write_bytes((MMDB / "GeoLite2-ASN-Test.mmdb").read_bytes())
    settings.SIAGA_MMDB_ASN = str(copy)
    first = enrich.TABLES.get("asn")
    assert enrich.TABLES.get("asn") is first
    copy.write_bytes((MMDB / "GeoLite2-ASN-Test.mmdb").read_bytes() + b"\0")
    assert enrich.TABLES.get("asn") is not first
