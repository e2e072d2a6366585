"""Reading version constraints: every notation the sources use, natural order, never raising."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.exposures.versions import constraint_for, parse_constraint, version_key

ICSMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "csaf" / "icsma"


def inside(constraint: str, version: str) -> bool | None:
    return parse_constraint(constraint).contains(version)


def test_natural_order() -> None:
    assert version_key("2.6A") < version_key("2.7A")  # type: ignore[operator]
    assert version_key("2.10") > version_key("2.9")  # type: ignore[operator]
    assert version_key("1.0") == version_key("1.0.0")
    assert version_key("1.0") < version_key("1.0a") < version_key("1.0.1")  # type: ignore[operator]
    assert version_key("B.06.18") > version_key("B.06.9")  # type: ignore[operator]


@pytest.mark.parametrize("text", ["", "*", "vers:all/*", "  ", "All versions"])
def test_all_versions(text: str) -> None:
    spec = parse_constraint(text)
    assert spec.is_all
    assert spec.contains("1.2.3") is True
    assert spec.contains("anything at all") is True


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        ("1.1.7.333 | 2.1.1.3069", "2.1.1.3069", True),
        ("1.1.7.333 | 2.1.1.3069", "1.1.7.334", False),
        ("<= 2.6A", "2.6A", True),
        ("<= 2.6A", "2.5", True),
        ("<= 2.6A", "2.7A", False),
        (">= 1.0.0 | <= 1.3.1", "1.2", True),
        (">= 1.0.0  | <= 1.3.1", "1.3.2", False),
        (">= 1.0.0 | <= 1.3.1", "0.9", False),
        (">= 1.3.4 | < 1.5.3", "1.5.3", False),
        (">= 1.3.4 | < 1.5.3", "1.5.2", True),
        ("<=12.1.3", "12.1.3", True),
        ("<=12.1.3", "12.1.10", False),
        ("< 1.10", "1.9", True),
        ("< 1.10", "1.10", False),
        ("vers:generic/>=1.0|<2.0", "1.10", True),
        ("vers:generic/>=1.0|<2.0", "2.0", False),
        ("vers:generic/>=1.0|<2.0|>=3.0", "3.5", True),
        ("vers:generic/!=1.5", "1.5", False),
        ("vers:generic/!=1.5", "1.6", True),
        ("12.x", "12.4.1", True),
        ("12.x", "13.0", False),
        ("<= 11.x", "11.9", True),
        ("<= 11.x", "12.0", False),
        ("<= 12.2.x.x", "12.2.7.1", True),
        ("2.3.6 and  below", "2.3.6", True),
        ("2.3.6 and below", "2.4", False),
        ("2131 and 2141", "2141", True),
        ("(Release 1.3.2 1.4.0 1.4.1 1.4.3 1.4.5)", "1.4.3", True),
        ("(Release 1.3.2 1.4.0 1.4.1 1.4.3 1.4.5)", "1.4.2", False),
        ("A10 < A11", "A10", True),
        ("A10 < A11", "A11", False),
        ("1.1.3 Build 10", "1.1.3 build 10", True),
        ("< B.06.18", "B.06.17", True),
        ("<= K", "J", True),
        (">= 2018-1 | <= 2021-1", "2019-3", True),
        ("3.0|3.1", "3.1", True),
        ("vers:pypi/>=1.0|<2.0", "1.5", True),
        ("vers:pypi/>=1.0|<2.0", "2.0", False),
        ("vers:npm/>=1.2.0|<1.4.0", "1.3.9", True),
        ("vers:npm/>=1.2.0|<1.4.0", "1.4.0", False),
    ],
)
def test_ranges(constraint: str, version: str, expected: bool) -> None:
    assert inside(constraint, version) is expected


@pytest.mark.parametrize(
    "text",
    [
        "with wireless option (shipped between 2016-August 2018)",
        "with ViewForum option (shipped between 26-June-2017 through 07-August 2018)",
        "<  july 1 2017",
        "< august 28",
        "882160 Gemini Dual",
        "Version A, Firmware A.03.09, Part #: M8096-67501",
        "* running on old, unsupported operating systems such as Windows 2000",
        "vers:",
        "vers:pypi",
    ],
)
def test_unreadable(text: str) -> None:
    spec = parse_constraint(text)
    assert not spec.readable
    assert spec.contains("1.0") is None


def test_unreadable_version_against_readable_constraint() -> None:
    assert inside("< 2.0", "the one in the basement") is None
    assert inside("vers:pypi/>=1.0|<2.0", "not!a!version") is None


def test_constraint_for_falls_back() -> None:
    assert constraint_for("< 2", cpe_version="1.0") == "< 2"
    assert constraint_for("", cpe_version="1.0") == "1.0"
    assert constraint_for("", cpe_version="*", purl_version="3.1") == "3.1"
    assert constraint_for("", fixed_in="4.2") == "< 4.2"
    assert constraint_for("") == ""


@pytest.mark.skipif(not ICSMA.exists(), reason="../shared/data/csaf/icsma is not here")
def test_every_icsma_version_name_reads_without_error() -> None:
    names: set[str] = set()

    def walk(branches: list) -> None:
        for branch in branches:
            if branch.get("category") in {"product_version", "product_version_range"}:
                names.add(branch["name"])
            walk(branch.get("branches") or [])

    for path in ICSMA.glob("*.json"):
        walk(json.loads(path.read_text()).get("product_tree", {}).get("branches", []))
    assert len(names) > 100
    specs = {name: parse_constraint(name) for name in names}
    readable = [name for name, spec in specs.items() if spec.readable]
    # Most names are versions or ranges; the rest are descriptions a person must read.
    assert len(readable) / len(names) >= 0.75
    assert specs["<= 2.6A"].contains("2.6A") is True


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_parse_never_raises(text: str) -> None:
    spec = parse_constraint(text)
    assert spec.kind in {"all", "ranges", "univers", "unreadable"}
    spec.contains("1.2.3")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["<", "<=", ">", ">=", "!=", "=", "", "vers:pypi/", "vers:generic/", "|", " "]
            ),
            st.from_regex(r"[0-9A-Za-z.x*-]{0,8}", fullmatch=True),
        ),
        max_size=8,
    ),
    st.text(max_size=20),
)
def test_constraint_like_input_never_raises(pieces: list[str], version: str) -> None:
    spec = parse_constraint("".join(pieces))
    assert spec.contains(version) in {True, False, None}
