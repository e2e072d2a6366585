"""Loading ATT&CK bundles: the real ICS and Mobile releases, idempotence, malformed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.attack.loader import AttackBundleError, load_attack_bundle
from siaga.attack.models import Technique
from siaga.attack.tests.conftest import real_bundle, technique

pytestmark = pytest.mark.django_db

Writer = Callable[..., Path]


def test_ics_bundle() -> None:
    result = load_attack_bundle(real_bundle("ics-attack-18.0.json"))
    assert (result.added, result.skipped, result.domains) == (95, 0, {"ics": 95})
    assert Technique.objects.count() == 95
    block = Technique.objects.get(attack_id="T0803")
    assert block.name == "Block Command Message"
    assert block.tactics == ["inhibit-response-function"]
    assert block.url == "https://attack.mitre.org/techniques/T0803"
    assert block.stix_id == "attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61"
    assert "Citation" not in block.description and block.description
    assert Technique.objects.filter(deprecated=True).count() == 12


def test_mobile_bundle_with_subtechniques_and_revoked() -> None:
    result = load_attack_bundle(real_bundle("mobile-attack-17.1.json"))
    assert result.added == 188 and result.domains == {"mobile": 188}
    assert Technique.objects.filter(revoked=True).count() == 53
    subs = Technique.objects.filter(is_subtechnique=True)
    assert subs.count() == 46
    assert all(sub.parent_attack_id == sub.attack_id.split(".")[0] for sub in subs)
    scheduled = Technique.objects.get(attack_id="T1603")
    assert scheduled.tactics == ["execution", "persistence"]


def test_reloading_is_idempotent() -> None:
    path = real_bundle("ics-attack-18.0.json")
    load_attack_bundle(path)
    before = {row.pk: row.modified for row in Technique.objects.all()}
    again = load_attack_bundle(path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 95)
    assert {row.pk: row.modified for row in Technique.objects.all()} == before


def test_newest_modified_wins(write_bundle: Writer) -> None:
    load_attack_bundle(
        write_bundle(technique("T1566", "Phishing v2", modified="2025-01-01T00:00:00Z"))
    )
    older = load_attack_bundle(
        write_bundle(technique("T1566", "Phishing v1", modified="2024-01-01T00:00:00Z"))
    )
    assert older.older == 1
    assert Technique.objects.get().name == "Phishing v2"
    newer = load_attack_bundle(
        write_bundle(technique("T1566", "Phishing v3", modified="2026-01-01T00:00:00Z"))
    )
    assert newer.updated == 1
    assert Technique.objects.get().name == "Phishing v3"


def test_the_newest_of_repeated_objects_in_one_bundle_wins(write_bundle: Writer) -> None:
    load_attack_bundle(
        write_bundle(
            technique("T1566", "New", modified="2026-01-01T00:00:00Z"),
            technique("T1566", "Old", modified="2020-01-01T00:00:00Z"),
        )
    )
    assert Technique.objects.get().name == "New"


def test_subtechnique_and_other_sources(write_bundle: Writer) -> None:
    result = load_attack_bundle(
        write_bundle(
            technique("T1566"),
            technique("T1566.001", "Spearphishing Attachment", x_mitre_is_subtechnique=True),
            {
                "type": "attack-pattern",
                "id": "attack-pattern--x",
                "name": "CAPEC only",
                "external_references": [{"source_name": "capec", "external_id": "CAPEC-98"}],
            },
            {"type": "malware", "id": "malware--1", "name": "ignored"},
        )
    )
    assert (result.added, result.skipped) == (2, 1)
    sub = Technique.objects.get(attack_id="T1566.001")
    assert sub.is_subtechnique and sub.parent_attack_id == "T1566"
    assert sub.url == "https://attack.mitre.org/techniques/T1566/001"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not valid JSON"),
        (b'{"type": "bundle", "objects": [', "not valid JSON"),
        (b"[1, 2, 3]", "no ATT&CK techniques"),
        (b'{"type": "bundle", "objects": []}', "no ATT&CK techniques"),
        (b"\xff\xfe{}", "JSON"),
    ],
)
def test_unreadable_files_are_named_errors(write_bundle: Writer, raw: bytes, message: str) -> None:
    with pytest.raises(AttackBundleError, match=message):
        load_attack_bundle(write_bundle(raw=raw))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "“name” must be a non-empty text"),
        ({"modified": "yesterday", "created": None}, "“modified” must be a timestamp"),
        ({"revoked": "no"}, "“revoked” must be true or false"),
        ({"kill_chain_phases": "initial-access"}, "kill_chain_phases"),
        ({"kill_chain_phases": True}, "kill_chain_phases"),
        ({"external_references": {}}, "external_references"),
        ({"id": "malware--1"}, "attack-pattern--"),
    ],
)
def test_a_bad_technique_names_itself_and_nothing_is_saved(
    write_bundle: Writer, changes: dict[str, Any], message: str
) -> None:
    bad = technique("T1001", "Bad") | changes
    with pytest.raises(AttackBundleError, match=message) as raised:
        load_attack_bundle(write_bundle(technique("T1566"), bad))
    assert "Object 1" in str(raised.value)
    assert not Technique.objects.exists()


def test_a_malformed_id_is_named(write_bundle: Writer) -> None:
    bad = technique("T1566")
    bad["external_references"][0]["external_id"] = "T15"
    with pytest.raises(AttackBundleError, match="“T15” is not an ATT&CK technique id"):
        load_attack_bundle(write_bundle(bad))


def test_two_techniques_claiming_one_id_already_stored(write_bundle: Writer) -> None:
    load_attack_bundle(write_bundle(technique("T1566"), technique("T1567", "Exfiltration")))
    # The stored T1566 object now claims T1567, which another stored object holds.
    moved = technique("T1566", modified="2026-01-01T00:00:00Z")
    moved["external_references"][0]["external_id"] = "T1567"
    with pytest.raises(AttackBundleError, match="T1567 belong to other techniques"):
        load_attack_bundle(write_bundle(moved))
    assert Technique.objects.get(attack_id="T1566").name == "Phishing"


def test_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(AttackBundleError, match="Cannot read"):
        load_attack_bundle(tmp_path / "absent.json")


def test_command_loads_and_imports_into_the_stix_store(personas: Any, write_bundle: Writer) -> None:
    from siaga.stix.models import StixObject

    path = write_bundle(technique("T1566"))
    out = StringIO()
    call_command("load_attack", str(path), stdout=out)
    assert Technique.objects.filter(attack_id="T1566").exists()
    stored = StixObject.objects.get(stix_id=technique("T1566")["id"])
    assert (stored.tlp, stored.distribution) == ("clear", "public")
    assert stored.organization == personas.orgs.cert
    assert "1 techniques" in out.getvalue()


def test_command_refuses_a_bad_file(write_bundle: Writer) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_attack", str(write_bundle(raw=b"{")), "--no-stix")


# --- Property: whatever the file holds, a result or a named error, and no half-saved load -------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "id",
    "name",
    "modified",
    "created",
    "revoked",
    "x_mitre_deprecated",
    "x_mitre_is_subtechnique",
    "kill_chain_phases",
    "external_references",
    "description",
    "x_mitre_domains",
]


@st.composite
def mangled_bundles(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "technique"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    objects = [technique("T1566"), technique("T1059", "Command")]
    victim = objects[draw(st.integers(0, 1))]
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3)):
        victim[name] = draw(json_values)
    text = json.dumps({"type": "bundle", "objects": objects})
    cut = draw(st.none() | st.integers(0, len(text)))
    return (text if cut is None else text[:cut]).encode()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=mangled_bundles())
def test_any_file_loads_or_fails_with_a_named_error(raw: bytes) -> None:
    before = list(
        Technique.objects.order_by("pk").values_list("pk", "attack_id", "name", "modified")
    )
    message = None
    try:
        load_attack_bundle(BytesIO(raw))
    except AttackBundleError as exc:
        message = str(exc)
    if message is not None:
        assert message
        after = list(
            Technique.objects.order_by("pk").values_list("pk", "attack_id", "name", "modified")
        )
        assert after == before
