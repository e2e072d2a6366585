"""The priority rule (siaga.incidents.priority): every corner, and monotonic over all 256 cases."""

import itertools

import pytest

from siaga.incidents.priority import derive_priority

N, L, M, H = 0, 1, 2, 3
RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


@pytest.mark.parametrize(
    ("impacts", "expected"),
    [
        ((N, N, N, N), "P4"),  # nothing
        ((L, L, N, N), "P4"),  # score 2
        ((L, L, L, N), "P3"),  # score 3
        ((N, M, L, N), "P3"),  # score 3 without patient safety
        ((L, M, M, N), "P3"),  # score 5, nothing high
        ((N, M, M, M), "P2"),  # score 6
        ((M, N, N, N), "P2"),  # patient safety medium
        ((N, H, N, N), "P2"),  # one high elsewhere
        ((L, N, N, H), "P2"),
        ((N, H, H, N), "P1"),  # two highs
        ((H, N, N, N), "P1"),  # patient safety high
        ((H, H, H, H), "P1"),
        ((L, M, M, M), "P2"),  # score 7, nothing high
    ],
)
def test_corners(impacts, expected):
    assert derive_priority(*impacts) == expected


def test_raising_any_impact_never_lowers_the_priority():
    for impacts in itertools.product(range(4), repeat=4):
        for dimension in range(4):
            if impacts[dimension] == H:
                continue
            raised = list(impacts)
            raised[dimension] += 1
            assert RANK[derive_priority(*raised)] <= RANK[derive_priority(*impacts)], impacts


def test_the_model_stores_the_derived_priority(make_incident):
    incident = make_incident(patient_safety=H)
    assert incident.priority == "P1"
    incident.patient_safety = N
    incident.save(update_fields=["patient_safety"])
    incident.refresh_from_db()
    assert incident.priority == "P4"
