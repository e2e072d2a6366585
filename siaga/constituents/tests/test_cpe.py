"""parse_cpe23: CPE 2.3 formatted strings split on unescaped colons and checked per NISTIR 7695."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.constituents.cpe import COMPONENTS, CpeError, parse_cpe23


def test_a_plain_name_gives_its_eleven_components():
    parsed = parse_cpe23("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*")
    assert list(parsed) == list(COMPONENTS)
    assert parsed["vendor"] == "microsoft"
    assert parsed["version"] == "8.0.6001"
    assert parsed["update"] == "beta"
    assert parsed["other"] == "*"


def test_escaped_colons_stay_inside_their_component():
    parsed = parse_cpe23(r"cpe:2.3:a:foo\:bar:big\$money:2010:*:*:en-us:*:*:*:*")
    assert parsed["vendor"] == r"foo\:bar"
    assert parsed["product"] == r"big\$money"
    assert parsed["language"] == "en-us"


def test_wildcards_at_either_end_and_not_applicable():
    parsed = parse_cpe23("cpe:2.3:h:b_braun:infusomat*:?.1:-:*:*:*:*:*:*")
    assert parsed["product"] == "infusomat*"
    assert parsed["version"] == "?.1"
    assert parsed["update"] == "-"


@pytest.mark.parametrize(
    "text",
    [
        "cpe:/a:microsoft:ie:8",  # CPE 2.2 URI
        "cpe:2.3:a:microsoft:ie:8:*:*:*:*:*:*",  # ten components
        "cpe:2.3:a:microsoft:ie:8:*:*:*:*:*:*:*:*",  # twelve
        "cpe:2.3:x:microsoft:ie:8:*:*:*:*:*:*:*",  # unknown part
        "cpe:2.3:a:micro soft:ie:8:*:*:*:*:*:*:*",  # unescaped space
        "cpe:2.3:a:micro$oft:ie:8:*:*:*:*:*:*:*",  # unescaped punctuation
        "cpe:2.3:a::ie:8:*:*:*:*:*:*:*",  # empty component
        "cpe:2.3:a:ms:ie:8*1:*:*:*:*:*:*:*",  # wildcard in the middle
        "cpe:2.3:a:ms:ie:8:*:*:english:*:*:*:*",  # not a language tag
        "cpe:2.3:a:ms:ie:8:*:*:*:*:*:*:x\\",  # dangling escape
    ],
)
def test_malformed_names_are_refused_with_a_reason(text):
    with pytest.raises(CpeError) as error:
        parse_cpe23(text)
    assert str(error.value)


@given(st.text(max_size=120))
def test_any_text_is_either_parsed_or_refused_cleanly(text):
    try:
        parsed = parse_cpe23(text)
    except CpeError:
        return
    assert len(parsed) == 11


_component = st.one_of(
    st.sampled_from(["*", "-"]),
    st.from_regex(r"[a-z0-9_.]{1,8}(\\[:!$@~]){0,2}[a-z0-9]{0,3}", fullmatch=True),
)


@given(st.sampled_from("aoh"), st.lists(_component, min_size=10, max_size=10))
def test_well_formed_names_round_trip(part, values):
    values[5] = "*"  # language has its own grammar
    text = "cpe:2.3:" + ":".join([part, *values])
    parsed = parse_cpe23(text)
    assert "cpe:2.3:" + ":".join(parsed.values()) == text
