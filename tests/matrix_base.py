"""The vocabulary of the permission matrix (tests/test_permission_matrix.py): personas, the world
of rows the pages act on, and the Page and Operation rows. Apps add their rows in tests/matrix_rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from siaga.core.testing import Personas

EVERYONE_SIGNED_IN = frozenset(Personas.NAMES)
ANONYMOUS = "anonymous"
ALL = EVERYONE_SIGNED_IN | {ANONYMOUS}
CERT_STAFF = frozenset({"cert_admin", "cert_lead", "cert_analyst"})
SEES_HOSPITAL = CERT_STAFF | {
    "coord_member",
    "constituent_admin",
    "constituent_reporter",
    "auditor",
}
SEES_HOSPITAL_MEMBERS = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}
MANAGES_HOSPITAL = frozenset({"cert_admin", "constituent_admin"})
SEES_ANALYSTS_JOB = frozenset({"cert_admin", "cert_lead", "cert_analyst", "auditor"})
CHANGES_ANALYSTS_JOB = frozenset({"cert_admin", "cert_analyst"})
READS_AUDIT = frozenset({"cert_admin", "auditor"})
IN_AN_ORGANIZATION = EVERYONE_SIGNED_IN - {"outsider"}
HOSPITAL_DESK = CERT_STAFF | {"constituent_admin"}  # the CERT, and the hospital's own admin
SEES_HOSPITAL_INCIDENT = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}
REPORTERS = CERT_STAFF | {
    "coord_member",
    "constituent_admin",
    "constituent_reporter",
    "other_reporter",
}
MANAGES_HOSPITAL_WEBHOOKS = frozenset({"cert_admin", "constituent_admin"})
SEES_HOSPITAL_DELIVERIES = CERT_STAFF | {"auditor", "constituent_admin"}
LOOKS_UP_OWNERS = CERT_STAFF | {"coord_member"}


@dataclass
class World:
    personas: Personas
    hospital_id: int
    reporter_membership_id: int
    reporter_id: int
    invitation_id: int
    queued_job_id: int
    failed_job_id: int
    reporter_token_id: int
    audit_entry_id: int
    contact_id: int
    asset_id: int
    pending_asset_id: int
    item_id: int
    report_id: int
    incident_id: int
    other_incident_id: int
    third_incident_id: int
    third_reference: str
    task_id: int
    observable_id: int
    link_id: int
    clock_id: int
    saved_filter_id: int
    evidence_id: int
    webhook_id: int
    delivery_id: int
    analyst_id: int
    # Rows made by the modules of tests/matrix_rows, by name.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    name: str
    allowed: frozenset[str]
    method: str = "get"
    args: Callable[[World], list[Any]] = lambda w: []
    data: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    public: bool = False  # anonymous visitors may use it
    signs_out: bool = False  # ends at the sign-in page on purpose


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the OpenAPI document
    allowed: frozenset[str]
    params: Callable[[World], dict[str, Any]] = lambda w: {}
    body: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    empty_for: frozenset[str] = frozenset()  # may list, but none of the rows are theirs to see
    query: str = ""  # appended to the path, e.g. "?value=192.0.2.1"
    form: dict[str, Any] | None = None  # a multipart body (file uploads) instead of JSON
