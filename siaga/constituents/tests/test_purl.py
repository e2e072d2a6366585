"""parse_purl: package URLs parsed strictly and written back in canonical form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.constituents.purl import PurlError, parse_purl


def test_all_parts():
    purl = parse_purl(
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources&classifier=dist#sub/dir"
    )
    assert purl.type == "maven"
    assert purl.namespace == "org.apache.xmlgraphics"
    assert purl.name == "batik-anim"
    assert purl.version == "1.9.1"
    assert purl.qualifiers == {"packaging": "sources", "classifier": "dist"}
    assert purl.subpath == "sub/dir"


def test_percent_encoded_namespace_and_canonical_form():
    purl = parse_purl("PKG:NPM/%40angular/animation@12.3.1")
    assert purl.namespace == "@angular"
    assert purl.to_string() == "pkg:npm/%40angular/animation@12.3.1"


def test_empty_qualifier_values_are_dropped_and_keys_sorted():
    purl = parse_purl("pkg:deb/debian/curl@7.50.3-1?distro=jessie&arch=&Repo=main")
    assert purl.qualifiers == {"distro": "jessie", "repo": "main"}
    assert purl.to_string() == "pkg:deb/debian/curl@7.50.3-1?distro=jessie&repo=main"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "pypi/django@5.0",  # no scheme
        "http://pypi/django",  # wrong scheme
        "pkg:django",  # no type
        "pkg:1pypi/django",  # type starts with a digit
        "pkg:pypi/",  # no name
        "pkg:pypi/django@",  # empty version
        "pkg:pypi/dj ango",  # space
        "pkg:pypi/django%zz",  # bad escape
        "pkg:pypi/django%ff",  # not UTF-8
        "pkg:pypi/django?a=1&a=2",  # repeated qualifier
        "pkg:pypi/django?novalue",  # qualifier without =
        "pkg:pypi/django#../etc",  # subpath escapes
    ],
)
def test_malformed_package_urls_are_refused(text):
    with pytest.raises(PurlError):
        parse_purl(text)


@given(st.text(max_size=80))
def test_any_text_is_either_parsed_or_refused_cleanly(text):
    try:
        purl = parse_purl(text)
    except PurlError:
        return
    assert parse_purl(purl.to_string()) == purl


@given(
    st.from_regex(r"[a-z][a-z0-9.+-]{0,8}", fullmatch=True),
    st.text(min_size=1, max_size=10).filter(lambda s: s not in {".", ".."} and "/" not in s),
    st.text(max_size=8),
)
def test_canonical_form_round_trips(package_type, name, version):
    from siaga.constituents.purl import PackageURL

    purl = PackageURL(type=package_type, namespace="", name=name, version=version)
    if "\x00" in name + version or any(ord(c) <= 0x20 for c in name + version):
        return
    assert parse_purl(purl.to_string()) == purl
