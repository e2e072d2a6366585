"""Typed configuration readers: good values parse, bad values stop start-up with a clear message."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from siaga.core.env import env_bool, env_choice, env_int, env_list, env_str


def test_values_come_from_the_environment_or_the_default():
    assert env_str("X", "fallback", environ={}) == "fallback"
    assert env_str("X", "fallback", environ={"X": "set"}) == "set"
    assert env_int("N", 5, environ={"N": " 42 "}) == 42
    assert env_list("L", ["a"], environ={"L": "one, two,,three "}) == ["one", "two", "three"]
    assert env_bool("B", False, environ={"B": "Yes"}) is True
    assert env_bool("B", True, environ={"B": "off"}) is False


def test_secret_file_takes_the_place_of_the_value(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert env_str("KEY", environ={"KEY_FILE": str(secret), "KEY": "ignored"}) == "from-a-file"


def test_unreadable_secret_file_names_the_variable(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="KEY_FILE"):
        env_str("KEY", environ={"KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("reader", "environ", "message"),
    [
        (
            lambda e: env_bool("DEBUG", environ=e),
            {"DEBUG": "maybe"},
            "DEBUG='maybe' is not a boolean",
        ),
        (
            lambda e: env_int("PORT", 1, environ=e),
            {"PORT": "eighty"},
            "PORT='eighty' is not a whole number",
        ),
        (lambda e: env_int("PORT", 1, minimum=1, environ=e), {"PORT": "0"}, "below the minimum"),
        (
            lambda e: env_choice("ENV", ["a", "b"], "a", environ=e),
            {"ENV": "c"},
            "must be one of: a, b",
        ),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(reader, environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        reader(environ)


@given(st.text(max_size=20))
def test_env_int_either_parses_or_raises_improperly_configured(text):
    try:
        value = env_int("N", 7, environ={"N": text})
    except ImproperlyConfigured:
        return
    assert value == (7 if text.strip() == "" else int(text.strip()))


@given(st.text(max_size=20))
def test_env_bool_accepts_only_known_words(text):
    try:
        value = env_bool("B", environ={"B": text})
    except ImproperlyConfigured:
        assert text.strip().lower() not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}
        return
    assert value is (text.strip().lower() in {"1", "true", "yes", "on"})
