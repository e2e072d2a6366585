"""Property tests: whatever bytes or JSON arrive, the importer reports problems and never raises."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.testing import Personas
from siaga.sharing.choices import TLP
from siaga.stix.importer import SharingLabels, import_bundle_file
from siaga.stix.models import StixObject
from siaga.stix.validation import StixProblem, check_object, pattern_error

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)

VALID = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2024-01-01T00:00:00Z",
}

# Objects close to valid ones: each property of a valid indicator replaced by anything.
mutated_objects = st.builds(
    lambda key, value: {**VALID, key: value}, st.sampled_from(sorted(VALID)), json_values
)


def labels(personas: Personas) -> SharingLabels:
    return SharingLabels(
        organization=personas.orgs.cert, tlp=TLP.GREEN, distribution="constituents"
    )


def accounted_for(result: Any, entries: int) -> bool:
    return result.added + result.duplicates + result.failed >= entries


@FUZZ
@given(entries=st.lists(json_values | mutated_objects, max_size=6))
def test_random_bundles_only_ever_report_problems(personas: Personas, entries: list[Any]):
    data = json.dumps({"type": "bundle", "objects": entries}).encode()
    result = import_bundle_file(io.BytesIO(data), labels(personas), source="fuzz")
    assert accounted_for(result, len(entries))
    for problem in result.failures:
        assert problem.message


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_are_refused_with_a_message(personas: Personas, data: bytes):
    result = import_bundle_file(io.BytesIO(data), labels(personas), source="fuzz")
    assert result.added == 0 or StixObject.objects.exists()
    assert result.failures or result.added


@FUZZ
@given(cut=st.integers(min_value=0, max_value=2_000))
def test_truncated_bundles_keep_what_came_before_the_cut(personas: Personas, cut: int):
    objects = [
        {**VALID, "id": f"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3c{n:03d}"} for n in range(6)
    ]
    whole = json.dumps({"type": "bundle", "objects": objects}).encode()
    data = whole[: min(cut, len(whole) - 1)]
    result = import_bundle_file(io.BytesIO(data), labels(personas), source="fuzz")
    assert result.failures  # a cut file always says where it broke
    assert result.added + result.duplicates <= 6


@settings(max_examples=300, deadline=None)
@given(obj=json_values | mutated_objects)
def test_check_object_raises_only_stix_problems(obj: Any):
    try:
        check_object(obj)
    except StixProblem as problem:
        message = str(problem)
    else:
        message = "accepted"
    assert message


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["ipv4-addr", "domain-name", "url", "x-custom"]),
    path=st.sampled_from(["value", "name", "hashes.'SHA-256'", "hashes.MD5", "hashes.'SHA-1'"]),
    value=st.text(alphabet="abcdef0123456789.'\\/: x", max_size=70),
)
def test_fast_pattern_check_agrees_with_stix2patterns(kind: str, path: str, value: str):
    from stix2patterns.validator import run_validator

    pattern = f"[{kind}:{path} = '{value}']"
    assert (pattern_error(pattern) == "") == (run_validator(pattern, stix_version="2.1") == [])
