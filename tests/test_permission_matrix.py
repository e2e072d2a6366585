"""Every role against every page and API endpoint: who gets in, who is refused.

The tables below are the specification. A completeness test fails when a page or an API operation
exists that the tables do not mention, so each new endpoint must state who may use it.
Refused means 403 or 404 (404 when the object is outside the user's scope); anonymous visitors are
sent to the sign-in page (web) or get 401 (API).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from siaga.accounts.models import ApiToken
from siaga.audit.actions import do_record_event
from siaga.core.testing import Personas, api_client_for, login, make_token
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.organizations.actions import do_invite
from siaga.organizations.models import Invitation, Membership

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def world(personas: Personas) -> World:
    hospital = personas.orgs.hospital
    with mock.patch("siaga.jobs.actions.dispatch"):
        queued = Job.objects.create(kind="system.smoke", created_by=personas.cert_analyst)
        failed = Job.objects.create(
            kind="system.smoke", created_by=personas.cert_analyst, status=JobStatus.FAILED
        )
    make_token(personas.constituent_reporter)
    return World(
        personas=personas,
        hospital_id=hospital.pk,
        reporter_membership_id=Membership.objects.get(user=personas.constituent_reporter).pk,
        reporter_id=personas.constituent_reporter.pk,
        invitation_id=do_invite(
            hospital,
            "new@hospital.test",
            "constituent_reporter",
            invited_by=personas.constituent_admin,
        ).pk,
        queued_job_id=queued.pk,
        failed_job_id=failed.pk,
        reporter_token_id=ApiToken.objects.get(user=personas.constituent_reporter).pk,
        audit_entry_id=do_record_event("export", object_type="test").pk,
    )


# --- Web pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    allowed: frozenset[str]
    method: str = "get"
    args: Callable[[World], list[Any]] = lambda w: []
    data: dict[str, Any] | None = None
    public: bool = False  # anonymous visitors may use it
    signs_out: bool = False  # ends at the sign-in page on purpose


PAGES = [
    Page("health", ALL, public=True),
    Page("set_language", ALL, method="post", data={"language": "en"}, public=True),
    Page("api:openapi-json", ALL, public=True),
    Page("api:openapi-view", ALL, public=True),
    Page("core:home", EVERYONE_SIGNED_IN),
    Page("accounts:login", ALL, public=True),
    Page("accounts:logout", ALL, method="post", public=True, signs_out=True),
    Page("accounts:2fa-setup", EVERYONE_SIGNED_IN),
    Page("accounts:2fa-verify", EVERYONE_SIGNED_IN),
    Page("accounts:recovery-codes", EVERYONE_SIGNED_IN),
    Page("accounts:profile", EVERYONE_SIGNED_IN),
    Page("accounts:password-change", EVERYONE_SIGNED_IN),
    Page("accounts:password-reset", ALL, public=True),
    Page("accounts:password-reset-done", ALL, public=True),
    Page("accounts:password-reset-complete", ALL, public=True),
    Page(
        "accounts:password-reset-confirm", ALL, args=lambda w: ["MQ", "set-password"], public=True
    ),
    Page("accounts:accept-invitation", frozenset(), args=lambda w: ["no-such-key"], public=True),
    Page("accounts:tokens", EVERYONE_SIGNED_IN),
    Page(
        "accounts:token-revoke",
        frozenset({"constituent_reporter"}),
        "post",
        lambda w: [w.reporter_token_id],
    ),
    Page("organizations:list", EVERYONE_SIGNED_IN),
    Page("organizations:create", frozenset({"cert_admin"})),
    Page("organizations:detail", SEES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("organizations:edit", MANAGES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("organizations:invite", MANAGES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("organizations:member", SEES_HOSPITAL_MEMBERS, args=lambda w: [w.reporter_membership_id]),
    Page(
        "organizations:member-role",
        MANAGES_HOSPITAL,
        "post",
        lambda w: [w.reporter_membership_id],
        {"role": "constituent_admin"},
    ),
    Page(
        "organizations:member-remove",
        MANAGES_HOSPITAL,
        "post",
        lambda w: [w.reporter_membership_id],
    ),
    Page(
        "organizations:member-reset-2fa",
        frozenset({"cert_admin"}),
        "post",
        lambda w: [w.reporter_membership_id],
    ),
    Page("organizations:invitation-revoke", MANAGES_HOSPITAL, "post", lambda w: [w.invitation_id]),
    Page("jobs:list", EVERYONE_SIGNED_IN),
    Page(
        "jobs:start",
        CERT_STAFF,
        "post",
        data={"kind": "system.smoke", "steps": 1, "step_seconds": 0},
    ),
    Page("jobs:detail", SEES_ANALYSTS_JOB, args=lambda w: [w.queued_job_id]),
    Page("jobs:progress", SEES_ANALYSTS_JOB, args=lambda w: [w.queued_job_id]),
    Page("jobs:cancel", CHANGES_ANALYSTS_JOB, "post", lambda w: [w.queued_job_id]),
    Page("jobs:retry", CHANGES_ANALYSTS_JOB, "post", lambda w: [w.failed_job_id]),
    Page("audit:list", READS_AUDIT),
    Page("audit:detail", READS_AUDIT, args=lambda w: [w.audit_entry_id]),
    Page("audit:export", READS_AUDIT),
]

# URL names that are not pages of their own.
NOT_PAGES = {"api:api-root", "api:not-found"}


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona != ANONYMOUS:
        login(client, world.personas.by_name(persona))
    return client


@pytest.mark.parametrize("persona", sorted(ALL))
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_access(world: World, page: Page, persona: str) -> None:
    client = client_for(world, persona)
    url = reverse(page.name, args=page.args(world))
    with mock.patch("siaga.jobs.actions.dispatch"):
        response = getattr(client, page.method)(url, data=page.data or {})
    status = response.status_code
    if persona == ANONYMOUS and not page.public:
        assert status == 302, f"{page.name}: anonymous got {status}"
        assert response["Location"].startswith(reverse("accounts:login"))
    elif persona in page.allowed:
        assert status in (200, 302), f"{page.name}: {persona} was refused with {status}"
        if status == 302 and not page.signs_out:
            assert not response["Location"].startswith(reverse("accounts:login")), (
                f"{page.name}: {persona} sent to sign in"
            )
    else:
        assert status in (403, 404, 410), f"{page.name}: {persona} was let in with {status}"


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_page_is_in_the_matrix() -> None:
    api_operations = {name for name in all_url_names() if name.startswith("api:")} - {
        "api:openapi-json",
        "api:openapi-view",
    }
    pages = {page.name for page in PAGES}
    missing = all_url_names() - pages - api_operations - NOT_PAGES
    assert not missing, f"pages without a row in PAGES: {sorted(missing)}"


# --- API operations --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the OpenAPI document
    allowed: frozenset[str]
    params: Callable[[World], dict[str, Any]] = lambda w: {}
    body: dict[str, Any] | None = None
    empty_for: frozenset[str] = frozenset()  # may list, but none of the rows are theirs to see


OPERATIONS = [
    Operation("get", "/api/v1/me", EVERYONE_SIGNED_IN),
    Operation("patch", "/api/v1/me", EVERYONE_SIGNED_IN, body={"phone": "+62 21 555 0100"}),
    Operation("get", "/api/v1/tokens", EVERYONE_SIGNED_IN),
    Operation(
        "post", "/api/v1/tokens", EVERYONE_SIGNED_IN, body={"name": "matrix", "scope": "read"}
    ),
    Operation(
        "delete",
        "/api/v1/tokens/{id}",
        frozenset({"constituent_reporter", "cert_admin"}),
        lambda w: {"id": w.reporter_token_id},
    ),
    Operation("get", "/api/v1/organizations", EVERYONE_SIGNED_IN),
    Operation(
        "post",
        "/api/v1/organizations",
        frozenset({"cert_admin"}),
        body={"name": "Badan Baru", "kind": "member_agency"},
    ),
    Operation("get", "/api/v1/organizations/{id}", SEES_HOSPITAL, lambda w: {"id": w.hospital_id}),
    Operation(
        "patch",
        "/api/v1/organizations/{id}",
        MANAGES_HOSPITAL,
        lambda w: {"id": w.hospital_id},
        {"website": "https://hospital.example"},
    ),
    Operation(
        "get",
        "/api/v1/organizations/{id}/members",
        SEES_HOSPITAL,
        lambda w: {"id": w.hospital_id},
        # The coordination group sees the hospital, but not who works there.
        empty_for=frozenset({"coord_member"}),
    ),
    Operation(
        "post",
        "/api/v1/organizations/{id}/invitations",
        MANAGES_HOSPITAL,
        lambda w: {"id": w.hospital_id},
        {"email": "second@hospital.test", "role": "constituent_reporter"},
    ),
    Operation(
        "get",
        "/api/v1/organizations/{id}/invitations",
        MANAGES_HOSPITAL,
        lambda w: {"id": w.hospital_id},
    ),
    Operation(
        "delete", "/api/v1/invitations/{id}", MANAGES_HOSPITAL, lambda w: {"id": w.invitation_id}
    ),
    Operation(
        "patch",
        "/api/v1/memberships/{id}",
        MANAGES_HOSPITAL,
        lambda w: {"id": w.reporter_membership_id},
        {"role": "constituent_admin"},
    ),
    Operation(
        "delete",
        "/api/v1/memberships/{id}",
        MANAGES_HOSPITAL,
        lambda w: {"id": w.reporter_membership_id},
    ),
    Operation("get", "/api/v1/users/{id}", SEES_HOSPITAL_MEMBERS, lambda w: {"id": w.reporter_id}),
    Operation("get", "/api/v1/jobs", EVERYONE_SIGNED_IN),
    Operation(
        "post",
        "/api/v1/jobs",
        CERT_STAFF,
        body={"kind": "system.smoke", "params": {"steps": 1, "step_seconds": 0}},
    ),
    Operation("get", "/api/v1/jobs/{id}", SEES_ANALYSTS_JOB, lambda w: {"id": w.queued_job_id}),
    Operation("get", "/api/v1/job-kinds", EVERYONE_SIGNED_IN),
    Operation(
        "post", "/api/v1/jobs/{id}/cancel", CHANGES_ANALYSTS_JOB, lambda w: {"id": w.queued_job_id}
    ),
    Operation(
        "post", "/api/v1/jobs/{id}/retry", CHANGES_ANALYSTS_JOB, lambda w: {"id": w.failed_job_id}
    ),
    Operation("get", "/api/v1/audit", READS_AUDIT),
    Operation("get", "/api/v1/audit/{id}", READS_AUDIT, lambda w: {"id": w.audit_entry_id}),
]


@pytest.mark.parametrize("persona", sorted(ALL))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_api_access(world: World, operation: Operation, persona: str) -> None:
    client = Client() if persona == ANONYMOUS else api_client_for(world.personas.by_name(persona))
    url = operation.path.format(**operation.params(world))
    kwargs: dict[str, Any] = {}
    if operation.body is not None:
        kwargs = {"data": json.dumps(operation.body), "content_type": "application/json"}
    with mock.patch("siaga.jobs.actions.dispatch"):
        response = getattr(client, operation.method)(url, **kwargs)
    status = response.status_code
    if persona == ANONYMOUS:
        assert status == 401, f"{operation.path}: anonymous got {status}"
    elif persona in operation.allowed:
        assert status in (200, 201, 204), (
            f"{operation.method} {operation.path}: {persona} got {status}: {response.content[:300]!r}"
        )
        if persona in operation.empty_for:
            assert response.json()["count"] == 0
    else:
        assert status in (403, 404), (
            f"{operation.method} {operation.path}: {persona} was let in with {status}"
        )
        assert response["Content-Type"].startswith("application/problem+json")


def test_every_api_operation_is_in_the_matrix(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    listed = {(op.method, op.path) for op in OPERATIONS}
    assert documented - listed == set(), "operations without a row in OPERATIONS"
    assert listed - documented == set(), "rows for operations that do not exist"


def test_invitation_rows_exist(world: World) -> None:
    # The fixture's objects are what the rows above act on; make sure they are what we think.
    assert Invitation.objects.get(pk=world.invitation_id).is_open
    assert Job.objects.get(pk=world.failed_job_id).status == JobStatus.FAILED
