"""Fixtures of the ATT&CK tests: small hand-made bundles, and the real ones when present."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
ATTACK_DATA = DATA / "stix" / "attack"


def real_bundle(name: str) -> Path:
    path = ATTACK_DATA / name
    if not path.exists():
        pytest.skip(f"{name} needs ../shared/data (absent in a user's clone)")
    return path


def technique(
    attack_id: str,
    name: str = "Phishing",
    *,
    stix_id: str | None = None,
    modified: str = "2025-04-15T19:58:01.218Z",
    kill_chain: str = "mitre-attack",
    tactics: tuple[str, ...] = ("initial-access",),
    **extra: Any,
) -> dict[str, Any]:
    number = int("".join(ch for ch in attack_id if ch.isdigit()))
    return {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": stix_id or f"attack-pattern--00000000-0000-4000-8000-{number:012d}",
        "created": "2020-01-01T00:00:00.000Z",
        "modified": modified,
        "name": name,
        "description": f"{name} is a technique. (Citation: Someone 2020)\n\nMore detail.",
        "kill_chain_phases": [{"kill_chain_name": kill_chain, "phase_name": t} for t in tactics],
        "external_references": [
            {
                "source_name": "mitre-attack",
                "external_id": attack_id,
                "url": f"https://attack.mitre.org/techniques/{attack_id.replace('.', '/')}",
            }
        ],
        **extra,
    }


@pytest.fixture
def write_bundle(tmp_path: Path) -> Callable[..., Path]:
    counter = [0]

    def write(*objects: Any, raw: bytes | None = None) -> Path:
        counter[0] += 1
        path = tmp_path / f"bundle-{counter[0]}.json"
        if raw is None:
            raw = json.dumps(
                {"type": "bundle", "id": "bundle--1", "objects": list(objects)}
            ).encode()
        path.write_bytes(raw)
        return path

    return write
