"""Scoring of an assessment: pure functions, no database.

A framework definition (the parsed file, ``frameworks.parse_framework``) is read into the frozen
dataclasses below. A question's weight is its own ``weight`` or its stage's weight
(``stage_weights``: later stages count more). An area's percent is the weighted points earned over
the weighted points possible; the overall percent is the same over every scored area (not the mean
of the areas, so a larger area counts more). The maturity level is the highest level whose
``min_percent`` the overall percent reaches; the thresholds are the operator's values in the file.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "id")
DEFAULT_STAGE_WEIGHTS = {1: 1.0, 2: 2.0, 3: 3.0}
MIN_PEERS = 3  # fewer peers than this and a comparison would point at them


def pick(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, falling back to English, then to any language given."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class ScaleItem:
    value: str
    label: dict[str, str]
    points: float


@dataclass(frozen=True)
class Level:
    label: dict[str, str]
    threshold: float  # min percent (maturity, result) or min points (category)


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    weight: float
    stage: int = 1
    section: str = ""
    action: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    id: str
    name: dict[str, str]
    questions: tuple[Question, ...]
    scored: bool = True
    scale: tuple[ScaleItem, ...] = ()  # its own answer scale (a category section), else the file's
    sections: tuple[tuple[str, dict[str, str]], ...] = ()


@dataclass(frozen=True)
class Definition:
    slug: str
    version: str
    name: dict[str, str]
    scale: tuple[ScaleItem, ...]
    levels: tuple[Level, ...]
    areas: tuple[Area, ...]
    results: tuple[Level, ...] = ()
    category_area: str = ""
    category_levels: tuple[Level, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Definition:
        def scale(items: Sequence[Mapping[str, Any]]) -> tuple[ScaleItem, ...]:
            return tuple(
                ScaleItem(str(i["value"]), dict(i["label"]), float(i["points"])) for i in items
            )

        def levels(items: Sequence[Mapping[str, Any]], key: str) -> tuple[Level, ...]:
            found = [Level(dict(i["label"]), float(i[key])) for i in items]
            return tuple(sorted(found, key=lambda level: level.threshold))

        areas = tuple(
            Area(
                id=str(area["id"]),
                name=dict(area["name"]),
                questions=tuple(
                    Question(
                        id=str(q["id"]),
                        text=dict(q["text"]),
                        weight=float(q["weight"]),
                        stage=int(q.get("stage", 1)),
                        section=str(q.get("section", "")),
                        action=dict(q.get("action") or {}),
                    )
                    for q in area["questions"]
                ),
                scored=bool(area.get("scored", True)),
                scale=scale(area.get("scale") or ()),
                sections=tuple((str(s["id"]), dict(s["name"])) for s in area.get("sections", [])),
            )
            for area in data["areas"]
        )
        category = data.get("category") or {}
        return cls(
            slug=str(data["slug"]),
            version=str(data["version"]),
            name=dict(data["name"]),
            scale=scale(data["answer_scale"]),
            levels=levels(data["maturity_levels"], "min_percent"),
            areas=areas,
            results=levels(data.get("results") or (), "min_percent"),
            category_area=str(category.get("area", "")),
            category_levels=levels(category.get("levels") or (), "min_points"),
        )

    def questions(self) -> list[Question]:
        return [question for area in self.areas for question in area.questions]

    def scale_of(self, area: Area) -> tuple[ScaleItem, ...]:
        return area.scale or self.scale


@dataclass(frozen=True)
class Gap:
    question: Question
    area: Area
    answer: str  # the value given ("" when unanswered)
    points: float
    max_points: float


@dataclass(frozen=True)
class Score:
    percent: float
    area_percents: dict[str, float]  # area id -> percent (scored areas)
    maturity: Level | None
    result: Level | None
    category: Level | None
    category_points: float
    gaps: list[Gap]


def _level_for(levels: Sequence[Level], value: float) -> Level | None:
    reached = [level for level in levels if value >= level.threshold]
    return reached[-1] if reached else None


def score(definition: Definition, answers: Mapping[str, str]) -> Score:
    """Score the answers (question id -> scale value; missing or unknown values earn nothing)."""
    earned_total = possible_total = 0.0
    area_percents: dict[str, float] = {}
    gaps: list[Gap] = []
    category_points = 0.0
    for area in definition.areas:
        scale = definition.scale_of(area)
        points_of = {item.value: item.points for item in scale}
        top = max((item.points for item in scale), default=0.0)
        earned = possible = 0.0
        for question in area.questions:
            value = answers.get(question.id, "")
            points = points_of.get(value, 0.0)
            if area.id == definition.category_area:
                category_points += points
            earned += points * question.weight
            possible += top * question.weight
            if area.scored and points < top:
                gaps.append(Gap(question, area, value, points, top))
        if not area.scored:
            continue
        area_percents[area.id] = round(100 * earned / possible, 1) if possible else 0.0
        earned_total += earned
        possible_total += possible
    percent = round(100 * earned_total / possible_total, 1) if possible_total else 0.0
    # The heaviest gaps first; within a weight, the biggest shortfall, then the file's order.
    order = {q.id: n for n, q in enumerate(definition.questions())}
    gaps.sort(key=lambda g: (-g.question.weight, -(g.max_points - g.points), order[g.question.id]))
    return Score(
        percent=percent,
        area_percents=area_percents,
        maturity=_level_for(definition.levels, percent),
        result=_level_for(definition.results, percent),
        category=_level_for(definition.category_levels, category_points),
        category_points=category_points,
        gaps=gaps,
    )


def missing_questions(definition: Definition, answers: Mapping[str, str]) -> list[Question]:
    """The questions without a valid answer from their area's scale, in the file's order."""
    missing = []
    for area in definition.areas:
        values = {item.value for item in definition.scale_of(area)}
        missing += [q for q in area.questions if answers.get(q.id, "") not in values]
    return missing


@dataclass(frozen=True)
class PeerStats:
    count: int
    median: float
    lower_quartile: float
    upper_quartile: float


def peer_stats(percents: Sequence[float]) -> PeerStats | None:
    """Median and quartiles of the peers' percents; None below ``MIN_PEERS`` (anonymity)."""
    values = sorted(float(value) for value in percents)
    if len(values) < MIN_PEERS:
        return None
    lower, median, upper = statistics.quantiles(values, n=4, method="inclusive")
    return PeerStats(len(values), round(median, 1), round(lower, 1), round(upper, 1))
