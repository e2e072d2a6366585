"""Settings read from the environment refuse a bad value when Siaga starts, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def start_with(**environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environ}
    return subprocess.run(
        [sys.executable, "-m", "siaga.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SIAGA_RISK_SCALE": "{likelihood: 5"}, "SIAGA_RISK_SCALE is not valid JSON"),
        (
            {"SIAGA_SECTOR_REPORT_PERIODS": "quarterly,weekly"},
            "SIAGA_SECTOR_REPORT_PERIODS: weekly is not one of monthly, quarterly",
        ),
    ],
)
def test_a_bad_value_stops_the_start(environ, message):
    result = start_with(**environ)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_good_risk_scale_starts():
    scale = (
        '{"likelihood": ["Low", "High"], "impact": ["Low", "High"], "levels": ['
        '{"key": "low", "label": "Low", "min": 1, "max": 2, "colour": "#2e7d32"},'
        '{"key": "high", "label": "High", "min": 3, "max": 4, "colour": "#c62828"}]}'
    )
    result = start_with(SIAGA_RISK_SCALE=scale, SIAGA_SECTOR_REPORT_PERIODS="monthly")
    assert result.returncode == 0, result.stderr
