"""Observable values are stored in one canonical form; wrong values get a clear error."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.observables import ObservableType as T
from siaga.core.observables import guess_type, normalize, refang


@pytest.mark.parametrize(
    ("kind", "raw", "canonical"),
    [
        (T.IP, " 192.0.2.1 ", "192.0.2.1"),
        (T.IP, "2001:0DB8:0000::0001", "2001:db8::1"),
        (T.IP, "::ffff:192.0.2.5", "192.0.2.5"),
        (T.IP, "192.0.2[.]1", "192.0.2.1"),
        (T.CIDR, "2001:DB8::/32", "2001:db8::/32"),
        (T.DOMAIN, "RSUD-Sehat.Example.", "rsud-sehat.example"),
        (T.DOMAIN, "evil[.]example", "evil.example"),
        (T.DOMAIN, "bücher.example", "xn--bcher-kva.example"),
        (T.DOMAIN, "_dmarc.example.org", "_dmarc.example.org"),
        (T.URL, "hxxps://Evil[.]Example:443/Login?x=1", "https://evil.example/Login?x=1"),
        (T.URL, "HTTP://192.0.2.1:8080", "http://192.0.2.1:8080/"),
        (T.URL, "http://[2001:db8::1]/a", "http://[2001:db8::1]/a"),
        (T.EMAIL, "Phish.Er@Evil.EXAMPLE", "Phish.Er@evil.example"),
        (T.EMAIL, "phisher[@]evil[.]example", "phisher@evil.example"),
        (T.MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
        (
            T.SHA1,
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        (
            T.SHA256,
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (T.CVE, "cve-2024-3400", "CVE-2024-3400"),
        (T.ASN, "as 64500", "AS64500"),
        (T.ASN, "64500", "AS64500"),
        (T.FILENAME, "  invoice[.]pdf.exe ", "invoice[.]pdf.exe"),  # file names are not refanged
    ],
)
def test_canonical_forms(kind, raw, canonical):
    assert normalize(kind, raw) == canonical


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (T.IP, "999.1.1.1", "IPv4 or IPv6 address"),
        (T.CIDR, "192.0.2.1/24", "did you mean the network 192.0.2.0/24"),
        (T.DOMAIN, "localhost", "not a valid domain name"),
        (T.DOMAIN, "https://evil.example/", "Enter a domain name"),
        (T.URL, "evil.example/path", "full URL with scheme and host"),
        (T.URL, "http://evil.example:99999/", "not a valid URL"),
        (T.EMAIL, "no-at-sign", "e-mail address"),
        (T.MD5, "abc", "32 hexadecimal digits"),
        (T.SHA256, "z" * 64, "64 hexadecimal digits"),
        (T.CVE, "CVE-24-1", "CVE identifier"),
        (T.ASN, "AS0", "AS number"),
        (T.IP, "   ", "Enter a value"),
        ("colour", "red", "Unknown observable type"),
    ],
)
def test_wrong_values_are_refused_with_what_was_expected(kind, raw, message):
    with pytest.raises(ValidationError, match=message):
        normalize(kind, raw)


def test_refang_handles_the_usual_forms():
    assert refang("hxxp://a[.]b(.)c[dot]d/x") == "http://a.b.c.d/x"
    assert refang("x[at]y[.]z") == "x@y.z"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("192.0.2.1", T.IP),
        ("192.0.2.0/24", T.CIDR),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", T.SHA256),
        ("cve-2021-44228", T.CVE),
        ("https://x.example/a", T.URL),
        ("a@b.example", T.EMAIL),
        ("b.example", T.DOMAIN),
        ("not a value at all", None),
    ],
)
def test_guess_type(value, kind):
    assert guess_type(value) == kind


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(T)), st.text(max_size=300))
def test_any_text_is_normalized_or_refused_never_crashes(kind, raw):
    try:
        canonical = normalize(kind, raw)
    except ValidationError:
        return
    assert normalize(kind, canonical) == canonical  # the canonical form is a fixed point


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_every_address_round_trips(address):
    canonical = normalize(T.IP, str(address.exploded))
    assert ipaddress.ip_address(canonical) == (getattr(address, "ipv4_mapped", None) or address)
