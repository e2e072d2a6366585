"""Scoring: weights by stage, area and overall percent, levels, the gap list, peers."""

from __future__ import annotations

import pytest

from siaga.assessments.frameworks import parse_framework
from siaga.assessments.scoring import Definition, missing_questions, peer_stats, score
from siaga.assessments.tests.conftest import SMALL


@pytest.fixture
def small() -> Definition:
    parsed = parse_framework(SMALL)
    assert parsed.definition is not None
    return Definition.from_dict(parsed.definition)


def test_everything_fully_implemented_is_100_and_no_gaps(small):
    result = score(small, {"A.1": "yes", "A.2": "yes", "B.1": "yes"})
    assert result.percent == 100.0
    assert result.area_percents == {"A": 100.0, "B": 100.0}
    assert result.maturity is not None and result.maturity.label["en"] == "High"
    assert result.gaps == []


def test_later_stages_weigh_more(small):
    # A.1 (stage 1, weight 1) yes, A.2 (stage 3, weight 3) no: area A is 2/8 = 25 %.
    result = score(small, {"A.1": "yes", "A.2": "no", "B.1": "partly"})
    assert result.area_percents["A"] == 25.0
    assert result.area_percents["B"] == 50.0
    # Overall over all weights: (2 + 0 + 2) / (2 + 6 + 4) = 33.3 %.
    assert result.percent == 33.3
    assert result.maturity is not None and result.maturity.label["en"] == "Low"


def test_gaps_are_ordered_by_weight_with_actions(small):
    result = score(small, {"A.1": "partly"})
    assert [gap.question.id for gap in result.gaps] == ["A.2", "B.1", "A.1"]
    assert result.gaps[0].question.action["en"] == "Require MFA."


def test_unknown_values_earn_nothing_and_count_as_missing(small):
    answers = {"A.1": "maybe", "A.2": "yes"}
    assert score(small, answers).area_percents["A"] == 75.0
    assert [q.id for q in missing_questions(small, answers)] == ["A.1", "B.1"]


def test_category_and_result_of_the_index():
    from siaga.assessments.frameworks import builtin_files

    path = next(p for p in builtin_files() if "indeks" in p.name)
    parsed = parse_framework(path.read_text())
    assert parsed.definition is not None
    index = Definition.from_dict(parsed.definition)
    answers = {q.id: "c" for q in index.areas[0].questions}
    answers |= {q.id: "fully" for area in index.areas[1:] for q in area.questions}
    result = score(index, answers)
    assert result.category is not None and result.category.label["en"] == "Strategic"
    assert result.category_points == 25
    assert result.result is not None and result.result.label["en"] == "Good"
    assert "SE" not in result.area_percents


def test_peer_stats_need_three_peers():
    assert peer_stats([50.0, 60.0]) is None
    stats = peer_stats([10.0, 20.0, 30.0, 40.0, 50.0])
    assert stats is not None
    assert (stats.count, stats.lower_quartile, stats.median, stats.upper_quartile) == (
        5, 20.0, 30.0, 40.0,
    )  # fmt: skip
