"""Permission-matrix rows of feed events: everyone in an organization may open the list (a
constituent sees its own events there, others none); one of the hospital's events is seen by the
CERT's staff, its auditors and the hospital's own members; only the CERT's staff export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from siaga.core.testing import Personas
from siaga.events.models import Event
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

# event.view: every row for the CERT's staff and auditors, the organization's own rows for members
# of a constituent (the coordination group's agency is not the hospital, so it sees none of them).
SEES_HOSPITAL_EVENTS = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}


def rows(personas: Personas) -> dict[str, Any]:
    event = Event.objects.create(
        feed_name="Matrix feed",
        classification_taxonomy="vulnerable",
        classification_type="vulnerable-system",
        time_observation=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        source_ip="192.0.2.44",
        dedupe_key=4_242,
        constituent=personas.orgs.hospital,
    )
    return {"event_id": event.pk}


def _event(w: Any) -> list[Any]:
    return [w.extra["event_id"]]


PAGES = [
    Page("events:list", IN_AN_ORGANIZATION),
    Page("events:detail", SEES_HOSPITAL_EVENTS, args=_event),
    Page("events:export", CERT_STAFF),
    # Sector statistics: the CERT's desk and its auditors (feedreport.view).
    Page("events:statistics", CERT_STAFF | {"auditor"}),
]

OPERATIONS = [
    # No empty_for: the list answers without a count (see siaga/events/api.py).
    Operation("get", "/api/v1/events", IN_AN_ORGANIZATION),
    Operation(
        "get",
        "/api/v1/events/{id}",
        SEES_HOSPITAL_EVENTS,
        params=lambda w: {"id": w.extra["event_id"]},
    ),
    Operation("get", "/api/v1/events/export", CERT_STAFF),
    Operation("get", "/api/v1/events/statistics", CERT_STAFF | {"auditor"}),
]
