"""Outside data read by matching (CPE and purl texts, version texts, feed event values) never
makes it fail: unreadable input gives no key or an "unknown" certainty."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.exposures.actions import cves_in
from siaga.exposures.matching import InventoryIndex, cpe_parts, match_groups, purl_parts

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@dataclass
class Product:
    vendor: str
    product: str
    versions: str
    cpe: str
    purl: str


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_cpe_and_purl_readers_never_raise(text: str) -> None:
    cpe_parts(text)
    cpe_parts("cpe:2.3:" + text)
    purl_parts(text)
    purl_parts("pkg:" + text)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_cves_in_never_raises(value: object) -> None:
    for cve in cves_in(value):
        assert cve.startswith("CVE-")


texts = st.text(max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(texts, texts, texts, texts, texts), min_size=1, max_size=5),
    st.tuples(texts, texts, texts, texts, texts),
)
def test_matching_any_names_never_raises(items: list, product: tuple) -> None:
    rows = [(n, 1, *fields) for n, fields in enumerate(items, start=1)]
    index = InventoryIndex(rows)
    for members, certainty in match_groups(index, Product(*product)):
        assert certainty in {"version", "unknown"}
        assert all(member[1] == 1 for member in members)


def test_same_names_always_match() -> None:
    index = InventoryIndex([(1, 7, "Ac\u00e9me Corp.", "Pump X", "", "cpe:2.3:a:bad", "pkg:")])
    matched = match_groups(index, Product("ACEME", "pump-x", "", "", ""))
    assert [(members[0][0], certainty) for members, certainty in matched] == [(1, "version")]
