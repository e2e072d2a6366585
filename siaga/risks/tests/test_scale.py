"""The risk scale: scores, levels and colours, the setting read with a default, and a clear error
for every malformed setting (property-based: any input gives a scale or ImproperlyConfigured)."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from siaga.risks.scale import DEFAULT_SCALE, get_scale, text_colour_on, validate_scale


def scale_with(**changes):
    config = copy.deepcopy(DEFAULT_SCALE)
    config.update(changes)
    return config


def test_the_default_scale_is_five_by_five():
    scale = get_scale()
    assert (scale.likelihood_steps, scale.impact_steps, scale.max_score) == (5, 5, 25)
    assert scale.score(4, 5) == 20
    assert [scale.level(1, 1).key, scale.level(2, 3).key, scale.level(3, 4).key] == [
        "low",
        "medium",
        "high",
    ]
    assert scale.level(4, 4).key == "very_high"
    assert scale.level(5, 5).key == "extreme"
    assert scale.colour(5, 5) == "#6a1b9a"
    with pytest.raises(ValueError, match="outside"):
        scale.score(6, 1)


def test_every_score_has_exactly_one_level():
    scale = get_scale()
    for score in range(1, scale.max_score + 1):
        assert sum(level.min <= score <= level.max for level in scale.levels) == 1


def test_the_default_labels_are_bilingual():
    scale = get_scale()
    assert scale.likelihood_labels()[-1] == "Almost certain"
    with translation.override("id"):
        assert scale.level_by_key("low").name == "Rendah"


def test_a_configured_scale_is_read_from_the_setting(settings):
    settings.SIAGA_RISK_SCALE = {
        "likelihood": [{"en": "Low", "id": "Rendah"}, {"en": "High", "id": "Tinggi"}, "Certain"],
        "impact": ["Minor", "Major"],
        "levels": [
            {"key": "low", "label": "Low", "min": 1, "max": 2, "colour": "#00AA00"},
            {
                "key": "high",
                "label": {"en": "High", "id": "Tinggi"},
                "min": 3,
                "max": 6,
                "colour": "#aa0000",
            },
        ],
    }
    scale = get_scale()
    assert (scale.likelihood_steps, scale.impact_steps) == (3, 2)
    assert scale.level(3, 2).key == "high"
    assert scale.level(1, 2).colour == "#00aa00"
    with translation.override("id"):
        assert scale.likelihood_labels()[:2] == ["Rendah", "Tinggi"]
        assert scale.level(3, 1).name == "Tinggi"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"likelihood": ["Only one"]}, "needs 2 to 10 labels"),
        ({"impact": "Minor, Major"}, '"impact" must be a list'),
        ({"likelihood": ["Rare", "", "Possible", "Likely", "Certain"]}, '"likelihood"[1]'),
        ({"colours": {}}, "unknown keys: colours"),
        ({"levels": []}, "non-empty list"),
    ],
)
def test_malformed_axes_are_refused_clearly(changes, message):
    with pytest.raises(
        ImproperlyConfigured,
        match=r"SIAGA_RISK_SCALE: .*" + message.replace("[", r"\[").replace("]", r"\]"),
    ):
        validate_scale(scale_with(**changes))


def _levels(*bands):
    return [
        {"key": f"l{i}", "label": f"L{i}", "min": low, "max": high, "colour": "#123456"}
        for i, (low, high) in enumerate(bands)
    ]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (((1, 10), (12, 25)), 'level "l1" starts at 12'),  # a gap
        (((1, 10), (10, 25)), 'level "l1" starts at 10'),  # an overlap
        (((2, 25),), 'level "l0" starts at 2'),
        (((1, 10), (11, 24)), "must end at 25"),
        (((1, 10), (11, 30)), "must end at 25"),
        (((1, 30), (5, 1)), "min <= max"),
    ],
)
def test_levels_must_cover_every_score_once(bands, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        validate_scale(scale_with(levels=_levels(*bands)))


def test_a_bad_colour_or_key_is_named():
    levels = _levels((1, 25))
    levels[0]["colour"] = "red"
    with pytest.raises(ImproperlyConfigured, match='colour must be written #rrggbb, not "red"'):
        validate_scale(scale_with(levels=levels))
    levels = _levels((1, 10), (11, 25))
    levels[1]["key"] = "l0"
    with pytest.raises(ImproperlyConfigured, match="unique"):
        validate_scale(scale_with(levels=levels))
    levels[1]["key"] = "Very High"
    with pytest.raises(ImproperlyConfigured, match="key must be"):
        validate_scale(scale_with(levels=levels))


def test_a_bad_setting_fails_when_read(settings):
    settings.SIAGA_RISK_SCALE = {"likelihood": [1, 2], "impact": ["a", "b"], "levels": []}
    with pytest.raises(ImproperlyConfigured, match="SIAGA_RISK_SCALE"):
        get_scale()
    settings.SIAGA_RISK_SCALE = {"likelihood": {1, 2}}
    with pytest.raises(ImproperlyConfigured, match="only texts, numbers"):
        get_scale()


def test_text_colour_reads_on_the_level_colour():
    assert text_colour_on("#ffffff") == "#000000"
    assert text_colour_on("#000000") == "#ffffff"
    assert text_colour_on("#f9a825") == "#000000"  # the default medium (amber)
    assert text_colour_on("#6a1b9a") == "#ffffff"  # the default extreme (purple)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
near_scales = st.fixed_dictionaries(
    {
        "likelihood": st.lists(st.text(max_size=5) | json_values, max_size=11),
        "impact": st.lists(st.text(max_size=5), max_size=11),
        "levels": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["low", "high", "x", "Bad key", ""]),
                    "label": st.text(max_size=5) | json_values,
                    "min": st.integers(-2, 30) | json_values,
                    "max": st.integers(-2, 30),
                    "colour": st.sampled_from(["#112233", "#GGGGGG", "red", ""]),
                }
            ),
            max_size=6,
        ),
    }
)


@hsettings(max_examples=150, deadline=None)
@given(st.one_of(json_values, near_scales))
def test_any_setting_gives_a_scale_or_a_clear_error(config):
    try:
        scale = validate_scale(config)
    except ImproperlyConfigured as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith("SIAGA_RISK_SCALE: ")
        return
    for score in range(1, scale.max_score + 1):
        assert scale.level_for_score(score).min <= score


def test_the_system_check_names_a_bad_setting(settings):
    from siaga.risks.checks import check_risk_scale

    assert check_risk_scale() == []
    settings.SIAGA_RISK_SCALE = {"likelihood": ["a"], "impact": ["b", "c"], "levels": []}
    [error] = check_risk_scale()
    assert error.id == "siaga.risks.E001"
    assert "needs 2 to 10 labels" in error.msg
