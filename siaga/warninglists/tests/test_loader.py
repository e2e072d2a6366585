"""Loading MISP warninglists: validation with clear errors, idempotence, atomic replacement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.audit.models import AuditEntry
from siaga.warninglists.loader import (
    ParsedList,
    WarninglistFormatError,
    load_directory,
    load_warninglist,
    load_warninglist_result,
    parse_warninglist,
)
from siaga.warninglists.models import Warninglist, WarninglistEntry
from siaga.warninglists.tests.conftest import SHARED_LISTS, make_list, shared_list_files


@pytest.mark.parametrize("path", shared_list_files(), ids=lambda p: p.parent.name)
def test_every_shared_list_parses(path: Path) -> None:
    parsed = parse_warninglist(path)
    raw = json.loads(path.read_text())
    assert parsed.name == raw["name"]
    assert parsed.type == raw["type"]
    assert 0 < len(parsed.values) <= len(raw["list"])


def test_shared_lists_are_present_or_skipped() -> None:
    if not shared_list_files():
        pytest.skip("needs ../shared/data/warninglists (absent in a user's clone)")
    assert len(shared_list_files()) >= 12


@pytest.mark.django_db
def test_load_directory_loads_every_shared_list_and_is_idempotent() -> None:
    if not shared_list_files():
        pytest.skip("needs ../shared/data/warninglists (absent in a user's clone)")
    results = load_directory(SHARED_LISTS)
    assert {r.outcome for r in results} == {"created"}
    assert Warninglist.objects.count() == len(shared_list_files())
    dns = Warninglist.objects.get(name="List of known IPv4 public DNS resolvers")
    assert dns.entry_count == dns.entries.count() > 50_000
    assert dns.source.endswith("public-dns-v4/list.json")
    entries = WarninglistEntry.objects.count()
    again = load_directory(SHARED_LISTS)
    assert {r.outcome for r in again} == {"unchanged"}
    assert WarninglistEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_new_version_replaces_the_entries_and_keeps_the_enabled_flag() -> None:
    first = load_warninglist(make_list(values=["a.example", "b.example"], version=1))
    first.is_enabled = False
    first.save()
    result = load_warninglist_result(make_list(values=["c.example"], version=2))
    assert result.outcome == "replaced"
    listed = Warninglist.objects.get()
    assert listed.pk == first.pk
    assert listed.version == 2
    assert listed.is_enabled is False
    assert list(listed.entries.values_list("value", flat=True)) == ["c.example"]
    assert listed.entry_count == 1
    # The list's create, disable and replace; never one entry per value.
    trail = AuditEntry.objects.filter(object_type__contains="warninglist").order_by("seq")
    assert [entry.action for entry in trail] == ["create", "update", "update"]
    assert trail.last().changes["version"] == [1, 2]  # type: ignore[union-attr]


@pytest.mark.django_db
def test_same_version_is_a_no_op() -> None:
    load_warninglist(make_list(values=["a.example"]))
    result = load_warninglist_result(make_list(values=["other.example"]))
    assert result.outcome == "unchanged"
    assert list(WarninglistEntry.objects.values_list("value", flat=True)) == ["a.example"]


@pytest.mark.django_db
def test_a_bad_list_changes_nothing() -> None:
    load_warninglist(make_list(values=["10.0.0.0/8"], type="cidr", version=1))
    with pytest.raises(WarninglistFormatError, match=r"list\[1\]"):
        load_warninglist(make_list(values=["192.0.2.0/24", "not-an-ip"], type="cidr", version=2))
    listed = Warninglist.objects.get()
    assert listed.version == 1
    assert list(listed.entries.values_list("value", flat=True)) == ["10.0.0.0/8"]


def test_duplicates_and_blanks_are_dropped() -> None:
    parsed = parse_warninglist(make_list(values=["a.example", " a.example ", "", "b.example"]))
    assert parsed.values == ["a.example", "b.example"]


def test_json_text_and_bytes_are_accepted() -> None:
    text = json.dumps(make_list())
    assert parse_warninglist(text).name == "Test list"
    assert parse_warninglist(text.encode()).name == "Test list"


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(WarninglistFormatError) as caught:
        parse_warninglist('{\n  "name": "x",\n  "list": [1,,]\n}')
    assert "line 3, column" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "cidr", "list": ["10.0.0.0/8"], "version": 1}, "name is missing"),
        (make_list(name="  "), "name is empty"),
        (make_list(type="fuzzy"), "type must be one of"),
        (make_list(version="one"), "version must be a whole number"),
        (make_list(version=-1), "version must be a whole number"),
        (make_list(version=True), "version must be a whole number"),
        (make_list(values=[]), "list holds no values"),
        (make_list(values="example.org"), "list must be a list"),
        (make_list(values=["ok", 5]), r"list\[1\] must be a string"),
        (make_list(matching_attributes="domain"), "matching_attributes must be a list"),
        (make_list(type="regex", values=["ok", "(unclosed"]), r"list\[1\]: invalid regular"),
        (make_list(type="regex", values=["a" * 600]), r"list\[0\]: a regular expression"),
        (make_list(type="hostname", values=["two words.example"]), "not a host name"),
        (make_list(description=5), "description must be a string"),
        (make_list(values=["ok", "a\x00b"]), r"list\[1\] contains a NUL"),
        (make_list(name="a\x00b"), "name contains a NUL"),
    ],
)
def test_invalid_fields_are_named(data: object, message: str) -> None:
    with pytest.raises(WarninglistFormatError, match=message):
        parse_warninglist(data)  # type: ignore[arg-type]


def test_not_an_object() -> None:
    with pytest.raises(WarninglistFormatError, match="JSON object"):
        parse_warninglist("[1, 2]")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarninglistFormatError, match="Cannot read"):
        parse_warninglist(tmp_path / "absent.json")


def test_php_style_regex_is_accepted() -> None:
    parsed = parse_warninglist(make_list(type="regex", values=["/^foo[0-9]+\\.example$/i"]))
    assert parsed.values == ["/^foo[0-9]+\\.example$/i"]


@pytest.mark.django_db
def test_command_loads_directories_and_reports_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "list.json").write_text(json.dumps(make_list(name="Good")))
    call_command("load_warninglists", str(tmp_path))
    assert Warninglist.objects.filter(name="Good").exists()
    bad = tmp_path / "zz-bad"
    bad.mkdir()
    (bad / "list.json").write_text("{nope")
    with pytest.raises(CommandError, match=r"zz-bad/list.json: Malformed JSON at line 1"):
        call_command("load_warninglists", str(tmp_path))


@pytest.mark.django_db
def test_command_uses_the_setting(tmp_path: Path, settings: object) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "list.json").write_text(json.dumps(make_list(name="From setting")))
    settings.SIAGA_WARNINGLIST_DIRS = [str(tmp_path)]  # type: ignore[attr-defined]
    call_command("load_warninglists")
    assert Warninglist.objects.filter(name="From setting").exists()
    settings.SIAGA_WARNINGLIST_DIRS = []  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="SIAGA_WARNINGLIST_DIRS"):
        call_command("load_warninglists")


# --- Property tests: outside data never escapes the loader's own error ---------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": _json_values,
        "version": _json_values,
        "type": st.sampled_from(["string", "substring", "hostname", "cidr", "regex"])
        | _json_values,
        "list": st.lists(st.text(max_size=30) | _json_values, max_size=6) | _json_values,
        "matching_attributes": _json_values,
        "description": _json_values,
        "category": _json_values,
    },
)


def _parse_or_messages(data: object) -> ParsedList | list[str]:
    """The parsed list, or the messages of the loader's own error (anything else propagates)."""
    try:
        return parse_warninglist(data)  # type: ignore[arg-type]
    except WarninglistFormatError as exc:
        return list(exc.messages)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_fields)
def test_any_object_parses_or_fails_clearly(data: dict[str, object]) -> None:
    outcome = _parse_or_messages(data)
    if isinstance(outcome, list):
        assert outcome and all(outcome)
    else:
        assert outcome.name and outcome.values


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: "{" + t))
def test_any_bytes_parse_or_fail_clearly(blob: bytes | str) -> None:
    outcome = _parse_or_messages(blob)
    assert not isinstance(outcome, list) or all(outcome)


@settings(max_examples=100)
@given(st.text(max_size=60))
def test_any_regex_list_parses_or_fails_clearly(pattern: str) -> None:
    outcome = _parse_or_messages(make_list(type="regex", values=[pattern]))
    if isinstance(outcome, list):
        assert "list[0]" in outcome[0] or "no values" in outcome[0]
