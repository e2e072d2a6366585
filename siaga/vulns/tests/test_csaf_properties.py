"""Property tests of the CSAF importer: whatever the document, the import never raises; it either
refuses with messages that name a JSON path and stores nothing, or stores the whole advisory."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.vulns.importers.csaf import import_csaf
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability
from siaga.vulns.tests.conftest import csaf_document

pytestmark = pytest.mark.django_db

BASE = csaf_document()

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "CVE-2025-1", "CVE-2025-99999", "CSAFPID-0001", "WHITE", "2025-13-45"])
)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


PATHS = [path for path in _paths(BASE) if path]


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    """The valid document with a few nodes replaced by random JSON or removed."""
    document = copy.deepcopy(BASE)
    for _step in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(json_value)
        except (KeyError, IndexError, TypeError):
            continue
    return document


def _check(source: Any) -> None:
    with transaction.atomic():
        before = (VendorAdvisory.objects.count(), Vulnerability.objects.count())
        result = import_csaf(source)
        if result.errors:
            assert all(isinstance(error, str) and ": " in error for error in result.errors)
            assert (VendorAdvisory.objects.count(), Vulnerability.objects.count()) == before
        else:
            advisory = VendorAdvisory.objects.get()
            assert result.created == 1
            assert advisory.affected_products.count() == result.products
            assert AffectedProduct.objects.count() == result.products
            for problem in result.problems:
                assert problem.record and problem.field and problem.message
        transaction.set_rollback(True)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutated())
def test_mutated_documents_never_raise(document: dict[str, Any]) -> None:
    _check(document)
    _check(json.dumps(document).encode())


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=200) | json_value.map(lambda value: json.dumps(value).encode()))
def test_arbitrary_bytes_are_refused_cleanly(raw: bytes) -> None:
    _check(raw)


def test_deep_nesting_is_refused() -> None:
    raw = b"[" * 100_000 + b"]" * 100_000
    result = import_csaf(raw)
    assert result.errors and not VendorAdvisory.objects.exists()
