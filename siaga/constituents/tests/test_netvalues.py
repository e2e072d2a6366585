"""Network asset values are stored in one canonical form, with clear errors for bad input."""

import pytest
from django.core.exceptions import ValidationError

from siaga.constituents.netvalues import normalize_asset_value


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("ip_range", " 192.0.2.0/24 ", "192.0.2.0/24"),
        ("ip_range", "192.0.2.7", "192.0.2.7/32"),
        ("ip_range", "2001:DB8:0010:0000::/48", "2001:db8:10::/48"),
        ("asn", "AS64500", "AS64500"),
        ("asn", "as64500", "AS64500"),
        ("asn", "64500", "AS64500"),
        ("asn", "4294967295", "AS4294967295"),
        ("domain", "RSUD.Example.GO.ID.", "rsud.example.go.id"),
        ("domain", "rumahsakit-bücher.example", "xn--rumahsakit-bcher-uzb.example"),
    ],
)
def test_values_are_normalized(kind, text, value):
    assert normalize_asset_value(kind, text).value == value


def test_an_ip_range_knows_its_first_and_last_address():
    parsed = normalize_asset_value("ip_range", "10.0.0.0/8")
    assert parsed.ip_version == 4
    assert parsed.range_start == f"{0x0A000000:032x}"
    assert parsed.range_end == f"{0x0AFFFFFF:032x}"


def test_host_bits_are_refused_with_the_network_suggested():
    with pytest.raises(ValidationError) as error:
        normalize_asset_value("ip_range", "192.0.2.10/24")
    assert "did you mean the network 192.0.2.0/24" in error.value.messages[0]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("ip_range", "192.0.2.0/33"),
        ("ip_range", "example.org"),
        ("asn", "AS0"),
        ("asn", "4294967296"),
        ("asn", "ASX"),
        ("domain", "https://rsud.example.go.id/login"),
        ("domain", "localhost"),
        ("domain", "-bad-.example"),
        ("domain", "a..example"),
        ("domain", "*.example.org"),
        ("domain", "192.0.2.1"),
        ("domain", "x" * 64 + ".example"),
        ("planet", "earth"),
    ],
)
def test_bad_values_are_refused(kind, text):
    with pytest.raises(ValidationError):
        normalize_asset_value(kind, text)
