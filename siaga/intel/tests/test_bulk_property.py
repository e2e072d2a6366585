"""Property tests of outside input: random pasted lines and API items never crash the upsert,
and every line that was not added is named with a message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.observables import ObservableType
from siaga.core.testing import api_client_for
from siaga.intel.actions import IndicatorInput, check_bulk_add_lines, do_upsert_indicators
from siaga.intel.models import Indicator

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text the databases can store (no NUL, no lone surrogates), plus lines that look like values.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=80
)
LIKELY = st.sampled_from(
    [
        "192.0.2.1",
        "evil[.]example",
        "hxxp://x[.]example/a",
        "a" * 64,
        "CVE-2024-1234",
        "::1",
        "10.0.0.0/8",
        "10.0.0.1/8",
        "AS64500",
        "x@y.example",
        "",
    ]
)
LINES = st.lists(st.one_of(TEXT, LIKELY), max_size=25)


@SETTINGS
@given(lines=LINES)
def test_pasted_lines_never_crash(personas: Any, lines: list[str]) -> None:
    result, problems = check_bulk_add_lines(
        personas.cert_analyst, lines, labels={"tlp": "amber", "distribution": "organization"}
    )
    non_blank = [n for n, line in enumerate(lines, start=1) if line.strip()]
    named = {problem.line for problem in problems}
    saved = {n for n in non_blank if n not in named}
    assert named <= set(non_blank)
    assert all(problem.message for problem in problems)
    # Every non-blank line is either saved (it has a row) or named as a problem.
    assert len(saved) == len(result.ids)


@SETTINGS
@given(
    items=st.lists(
        st.tuples(st.one_of(st.sampled_from(ObservableType.values), TEXT), st.one_of(TEXT, LIKELY)),
        max_size=20,
    )
)
def test_random_inputs_are_saved_or_reported(personas: Any, items: list[tuple[str, str]]) -> None:
    inputs = [IndicatorInput(type=kind, value=value) for kind, value in items]
    result = do_upsert_indicators(
        inputs,
        organization=personas.orgs.cert,
        tlp="amber",
        distribution="organization",
        source_kind="feed",
    )
    reported = {index for index, _message in result.problems}
    assert reported | set(result.ids) == set(range(len(items)))
    assert not reported & set(result.ids)
    assert Indicator.objects.filter(pk__in=result.ids.values()).count() == len(
        set(result.ids.values())
    )


@SETTINGS
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {"type": st.one_of(TEXT, st.sampled_from(ObservableType.values)), "value": TEXT}
        ),
        min_size=1,
        max_size=10,
    )
)
def test_api_bulk_answers_with_a_result_or_a_problem(personas: Any, items: list[Any]) -> None:
    client = api_client_for(personas.cert_analyst)
    response = client.post(
        "/api/v1/indicators/bulk", json.dumps({"items": items}), content_type="application/json"
    )
    assert response.status_code in (200, 207, 422), response.content
    if response.status_code == 207:
        assert all(problem["message"] for problem in response.json()["problems"])
