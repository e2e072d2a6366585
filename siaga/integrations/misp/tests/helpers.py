"""Shared helpers of the MISP tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from siaga.integrations.misp.importer import ImportDefaults
from siaga.sharing.choices import TLP, Distribution

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EVENT_UUID = "5e6f2b1a-8d4c-4b7e-9a3f-1c2d3e4f5a6b"


def event_document() -> dict[str, Any]:
    """A fresh copy of the realistic fixture event (tests may change it)."""
    return copy.deepcopy(json.loads((FIXTURES / "event.json").read_text()))


def small_event(event_uuid: str, values: list[tuple[str, str]], tags: list[str]) -> dict[str, Any]:
    """A minimal event with attributes of the given (type, value) and event tags."""
    return {
        "Event": {
            "uuid": event_uuid,
            "info": f"Event {event_uuid[:8]}",
            "date": "2025-04-01",
            "timestamp": "1743500000",
            "distribution": "1",
            "Orgc": {"name": "Partner CERT", "uuid": "6c5f3a0e-0000-4000-8000-000000000000"},
            "Tag": [{"name": name} for name in tags],
            "Attribute": [
                {
                    "uuid": f"{event_uuid[:24]}{index:012d}",
                    "type": kind,
                    "category": "Network activity",
                    "value": value,
                    "to_ids": True,
                    "distribution": "5",
                    "timestamp": "1743500000",
                }
                for index, (kind, value) in enumerate(values)
            ],
        }
    }


def defaults_for(organization: Any, user: Any = None, **extra: Any) -> ImportDefaults:
    values: dict[str, Any] = {
        "organization": organization,
        "tlp": TLP.AMBER,
        "distribution": Distribution.ORGANIZATION,
        "sharing_group": None,
        "created_by": user,
    }
    values.update(extra)
    return ImportDefaults(**values)
