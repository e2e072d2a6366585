"""Production mode refuses unsafe settings, and a correct production set-up passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 24 + "-production-secret-key-for-tests-" + "z" * 10
EVIDENCE_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, base64


def run_siaga(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Only what the test gives: not the database or broker of the test run itself.
    inherited = ("SIAGA_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"SIAGA_ALLOWED_HOSTS": "siaga.example"}, "SIAGA_SECRET_KEY is the development default"),
        ({"SIAGA_SECRET_KEY": GOOD_KEY}, "SIAGA_ALLOWED_HOSTS is empty"),
        (
            {
                "SIAGA_SECRET_KEY": GOOD_KEY,
                "SIAGA_ALLOWED_HOSTS": "siaga.example",
                "SIAGA_DEBUG": "true",
            },
            "SIAGA_DEBUG is on",
        ),
        (
            {"SIAGA_SECRET_KEY": GOOD_KEY, "SIAGA_ALLOWED_HOSTS": "siaga.example"},
            "SIAGA_EVIDENCE_KEY is not set",
        ),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(env, complaint, tmp_path):
    result = run_siaga(["check"], SIAGA_ENV="production", SIAGA_DATA_DIR=str(tmp_path), **env)
    assert result.returncode != 0
    assert "refuses to start in production mode" in result.stderr
    assert complaint in result.stderr


def test_check_deploy_is_clean_in_a_correct_production_setup(tmp_path):
    result = run_siaga(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SIAGA_ENV="production",
        SIAGA_SECRET_KEY=GOOD_KEY,
        SIAGA_ALLOWED_HOSTS="siaga.example",
        SIAGA_EVIDENCE_KEY=EVIDENCE_KEY,
        SIAGA_DATA_DIR=str(tmp_path),
        SIAGA_EMAIL_HOST="smtp.siaga.example",
        DATABASE_URL="postgres://siaga@127.0.0.1:5432/siaga",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_a_production_setup_lacks(tmp_path):
    result = run_siaga(
        ["check", "--deploy"],
        SIAGA_ENV="production",
        SIAGA_SECRET_KEY=GOOD_KEY,
        SIAGA_ALLOWED_HOSTS="siaga.example",
        SIAGA_EVIDENCE_KEY=EVIDENCE_KEY,
        SIAGA_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "siaga.E001" in result.stderr  # no SMTP server
    assert "siaga.W002" in result.stderr  # SQLite in production
