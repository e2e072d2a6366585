"""The risk scale: likelihood x impact, the score, its level and the level's colour (no database).

The scale comes from the setting ``SIAGA_RISK_SCALE`` (a dict), read with a default of 5 x 5:

```python
SIAGA_RISK_SCALE = {
    "likelihood": ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    "impact": ["Insignificant", "Minor", "Moderate", "Major", "Severe"],
    "levels": [
        {"key": "low", "label": "Low", "min": 1, "max": 4, "colour": "#2e7d32"},
        ...
    ],
}
```

Labels are a text (looked up in the translation catalogue, so the default ones are bilingual) or
``{"en": ..., "id": ...}``. The score is likelihood x impact; the levels' ranges must cover every
score from 1 to the largest product exactly once, in order. A bad setting fails loudly with
``ImproperlyConfigured`` naming what is wrong, the first time the scale is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

MIN_STEPS = 2
MAX_STEPS = 10
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")

DEFAULT_SCALE: dict[str, Any] = {
    "likelihood": ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    "impact": ["Insignificant", "Minor", "Moderate", "Major", "Severe"],
    "levels": [
        {"key": "low", "label": "Low", "min": 1, "max": 4, "colour": "#2e7d32"},
        {"key": "medium", "label": "Medium", "min": 5, "max": 9, "colour": "#f9a825"},
        {"key": "high", "label": "High", "min": 10, "max": 14, "colour": "#ef6c00"},
        {"key": "very_high", "label": "Very high", "min": 15, "max": 19, "colour": "#c62828"},
        {"key": "extreme", "label": "Extreme", "min": 20, "max": 25, "colour": "#6a1b9a"},
    ],
}

# The default labels, for the translation catalogue (the scale reads them through gettext).
DEFAULT_LABELS = (
    _("Rare"),
    _("Unlikely"),
    _("Possible"),
    _("Likely"),
    _("Almost certain"),
    _("Insignificant"),
    _("Minor"),
    _("Moderate"),
    _("Major"),
    _("Severe"),
    _("Low"),
    _("Medium"),
    _("High"),
    _("Very high"),
    _("Extreme"),
)


def label_text(label: str | Mapping[str, str]) -> str:
    """A label in the active language: a dict by language code, or a text from the catalogue."""
    if isinstance(label, Mapping):
        language = (get_language() or "en").split("-")[0]
        return str(label.get(language) or label.get("en") or next(iter(label.values()), ""))
    return gettext(label) if label else ""


@dataclass(frozen=True)
class Level:
    """A band of scores: ``min`` to ``max`` inclusive."""

    key: str
    label: str | Mapping[str, str]
    min: int
    max: int
    colour: str

    @property
    def name(self) -> str:
        return label_text(self.label)

    @property
    def text_colour(self) -> str:
        """Black or white, whichever reads better on the level's colour (WCAG luminance)."""
        return text_colour_on(self.colour)


@dataclass(frozen=True)
class Scale:
    likelihood: tuple[str | Mapping[str, str], ...]
    impact: tuple[str | Mapping[str, str], ...]
    levels: tuple[Level, ...]

    @property
    def likelihood_steps(self) -> int:
        return len(self.likelihood)

    @property
    def impact_steps(self) -> int:
        return len(self.impact)

    @property
    def max_score(self) -> int:
        return self.likelihood_steps * self.impact_steps

    def likelihood_labels(self) -> list[str]:
        return [label_text(label) for label in self.likelihood]

    def impact_labels(self) -> list[str]:
        return [label_text(label) for label in self.impact]

    def likelihood_label(self, value: int) -> str:
        return label_text(self.likelihood[value - 1]) if 1 <= value <= len(self.likelihood) else ""

    def impact_label(self, value: int) -> str:
        return label_text(self.impact[value - 1]) if 1 <= value <= len(self.impact) else ""

    def valid_rating(self, likelihood: int, impact: int) -> bool:
        return 1 <= likelihood <= self.likelihood_steps and 1 <= impact <= self.impact_steps

    def score(self, likelihood: int, impact: int) -> int:
        if not self.valid_rating(likelihood, impact):
            raise ValueError(f"rating {likelihood}x{impact} is outside the scale")
        return likelihood * impact

    def level_for_score(self, score: int) -> Level:
        for level in self.levels:
            if level.min <= score <= level.max:
                return level
        raise ValueError(f"score {score} is outside the scale")

    def level(self, likelihood: int, impact: int) -> Level:
        return self.level_for_score(self.score(likelihood, impact))

    def level_by_key(self, key: str) -> Level | None:
        return next((level for level in self.levels if level.key == key), None)

    def colour(self, likelihood: int, impact: int) -> str:
        return self.level(likelihood, impact).colour


def text_colour_on(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # Contrast with black (L+0.05)/0.05 against white 1.05/(L+0.05): equal at L ≈ 0.179.
    return "#000000" if luminance > 0.179 else "#ffffff"


# --- Validation ------------------------------------------------------------------------------------


def _fail(problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"SIAGA_RISK_SCALE: {problem}")


def _check_label(label: Any, where: str) -> str | Mapping[str, str]:
    if isinstance(label, str) and label.strip():
        return label.strip()
    if (
        isinstance(label, Mapping)
        and label
        and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in label.items())
    ):
        return dict(label)
    raise _fail(f"{where} must be a non-empty text or a dict of texts by language code")


def _check_axis(config: Mapping[str, Any], name: str) -> tuple[str | Mapping[str, str], ...]:
    labels = config.get(name)
    if not isinstance(labels, Sequence) or isinstance(labels, str | bytes):
        raise _fail(f'"{name}" must be a list of labels, lowest first')
    if not MIN_STEPS <= len(labels) <= MAX_STEPS:
        raise _fail(f'"{name}" needs {MIN_STEPS} to {MAX_STEPS} labels, not {len(labels)}')
    return tuple(_check_label(label, f'"{name}"[{i}]') for i, label in enumerate(labels))


def _check_level(raw: Any, index: int) -> Level:
    where = f'"levels"[{index}]'
    if not isinstance(raw, Mapping):
        raise _fail(f"{where} must be a dict with key, label, min, max and colour")
    missing = [name for name in ("key", "label", "min", "max", "colour") if name not in raw]
    if missing:
        raise _fail(f"{where} lacks {', '.join(missing)}")
    key, colour = raw["key"], raw["colour"]
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise _fail(f"{where}: key must be lower-case letters, digits and _ (e.g. very_high)")
    if not isinstance(colour, str) or not COLOUR_RE.match(colour):
        raise _fail(f'{where}: colour must be written #rrggbb, not "{colour}"')
    low, high = raw["min"], raw["max"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or low > high:
        raise _fail(f"{where}: min and max must be whole numbers with min <= max")
    return Level(key, _check_label(raw["label"], f"{where}.label"), low, high, colour.lower())


def validate_scale(config: Any) -> Scale:
    """The scale the setting describes, or ``ImproperlyConfigured`` naming the first problem."""
    if not isinstance(config, Mapping):
        raise _fail("must be a dict with likelihood, impact and levels")
    unknown = set(config) - {"likelihood", "impact", "levels"}
    if unknown:
        raise _fail(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    likelihood = _check_axis(config, "likelihood")
    impact = _check_axis(config, "impact")
    raw_levels = config.get("levels")
    if (
        not isinstance(raw_levels, Sequence)
        or isinstance(raw_levels, str | bytes)
        or not raw_levels
    ):
        raise _fail('"levels" must be a non-empty list, lowest first')
    levels = tuple(_check_level(raw, i) for i, raw in enumerate(raw_levels))
    if len({level.key for level in levels}) != len(levels):
        raise _fail("level keys must be unique")
    expected = 1
    for level in levels:
        if level.min != expected:
            raise _fail(
                f'level "{level.key}" starts at {level.min}; the levels must cover every score '
                f"from 1 without gaps or overlaps, so it should start at {expected}"
            )
        expected = level.max + 1
    top = len(likelihood) * len(impact)
    if expected - 1 != top:
        raise _fail(f"the last level must end at {top} (likelihood x impact), not {expected - 1}")
    return Scale(likelihood, impact, levels)


@lru_cache(maxsize=8)
def _parsed(serialized: str) -> Scale:
    return validate_scale(json.loads(serialized))


def get_scale() -> Scale:
    """The configured scale (``SIAGA_RISK_SCALE``, else the 5 x 5 default), validated once."""
    config = getattr(settings, "SIAGA_RISK_SCALE", None) or DEFAULT_SCALE
    try:
        serialized = json.dumps(config, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise _fail(f"must hold only texts, numbers, lists and dicts ({exc})") from exc
    return _parsed(serialized)
