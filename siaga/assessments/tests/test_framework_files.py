"""Framework files: the built-in ones are complete, errors name their line, malformed input never
raises (property-based)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.assessments.frameworks import builtin_files, parse_framework
from siaga.assessments.scoring import Definition
from siaga.assessments.tests.conftest import SMALL


def _builtin(slug: str) -> Definition:
    for path in builtin_files():
        parsed = parse_framework(path.read_text())
        assert parsed.ok, (path, parsed.errors)
        if parsed.definition and parsed.definition["slug"] == slug:
            return Definition.from_dict(parsed.definition)
    raise AssertionError(slug)


def test_csf_has_six_functions_22_categories_and_106_subcategories():
    csf = _builtin("nist-csf")
    assert [area.id for area in csf.areas] == ["GV", "ID", "PR", "DE", "RS", "RC"]
    assert sum(len(area.sections) for area in csf.areas) == 22
    ids = [q.id for q in csf.questions()]
    assert len(ids) == len(set(ids)) == 106
    assert {"GV.SC-10", "ID.AM-08", "PR.DS-11", "DE.AE-08", "RS.AN-08", "RC.CO-04"} <= set(ids)
    assert "ID.AM-06" not in ids and "PR.DS-03" not in ids  # withdrawn in 2.0
    assert all(q.text["en"] and q.text["id"] for q in csf.questions())


def test_hicp_has_ten_practices_with_actions():
    hicp = _builtin("hhs-405d-hicp")
    assert len(hicp.areas) == 10
    assert all(q.action.get("id") and q.action.get("en") for q in hicp.questions())


def test_index_has_category_section_stages_and_nine_plus_levels():
    index = _builtin("indeks-keamanan-informasi")
    assert [pick["en"] for pick in (level.label for level in index.levels)] == [
        "I", "I+", "II", "II+", "III", "III+", "IV", "IV+", "V", "V+",
    ]  # fmt: skip
    assert [level.label["en"] for level in index.results] == [
        "Not fit", "Basic framework", "Fairly good", "Good",
    ]  # fmt: skip
    assert [level.label["en"] for level in index.category_levels] == ["Low", "High", "Strategic"]
    areas = {area.id: area for area in index.areas}
    assert not areas["SE"].scored and areas["SE"].scale
    assert {"TK", "RR", "KK", "PA", "TE", "PDP"} <= set(areas)
    weights = {q.stage: q.weight for q in index.questions() if q.section == "" and q.id != "SE.1"}
    assert weights[1] < weights[2] < weights[3]


def test_an_error_names_its_line():
    broken = SMALL.replace("stage: 3, text", "stage: 7, text")
    parsed = parse_framework(broken)
    assert not parsed.ok
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "stage: 7" in text)
    assert parsed.errors[0][0] == line
    assert f"line {line}:" in parsed.messages()[0]


def test_syntax_error_names_its_line():
    parsed = parse_framework("slug: x\nname: [unclosed\nversion: 1\n")
    assert not parsed.ok and parsed.errors[0][0] >= 2


def test_missing_language_duplicate_ids_and_keys_are_refused():
    assert "lacks id" in parse_framework(SMALL.replace(', id: "Cadangan diuji."', "")).messages()[0]
    assert "twice" in parse_framework(SMALL.replace("id: B.1", "id: A.1")).messages()[0]
    assert "twice" in parse_framework(SMALL + "slug: again\n").messages()[0]


def test_empty_binary_and_huge_inputs_are_refused():
    assert not parse_framework("").ok
    assert not parse_framework(b"\xff\xfe\x00").ok
    assert not parse_framework(b"a" * (3 * 1024 * 1024)).ok
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert "too many" in parse_framework(bomb).messages()[0]


yaml_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_a_result_never_an_exception(text):
    parsed = parse_framework(text)
    assert parsed.ok or parsed.errors


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SMALL.splitlines()), st.integers(0, 30), st.text(max_size=5))
def test_mangled_files_give_errors_never_exceptions(line, cut, junk):
    mangled = SMALL.replace(line, line[:cut] + junk, 1)
    parsed = parse_framework(mangled)
    assert parsed.ok or all(isinstance(message, str) for message in parsed.messages())


@settings(max_examples=100, deadline=None)
@given(yaml_like)
def test_wrong_structures_give_errors(value):
    import yaml

    text = yaml.safe_dump({"slug": "x", "version": "1", "areas": value})
    parsed = parse_framework(text)
    assert not parsed.ok and parsed.errors
