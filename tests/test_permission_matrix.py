"""Every role against every page and API endpoint: who gets in, who is refused.

The tables below are the specification. A completeness test fails when a page or an API operation
exists that the tables do not mention, so each new endpoint must state who may use it.
Refused means 403 or 404 (404 when the object is outside the user's scope); anonymous visitors are
sent to the sign-in page (web) or get 401 (API).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from siaga.accounts.models import ApiToken
from siaga.audit.actions import do_record_event
from siaga.constituents.actions import (
    check_add_asset,
    check_create_contact,
    check_create_item,
)
from siaga.core.testing import (
    Personas,
    api_client_for,
    build_orgs,
    build_personas,
    login,
    make_token,
)
from siaga.evidence.actions import do_add_evidence_from_bytes
from siaga.incidents.actions import check_create_incident, check_submit_report
from siaga.incidents.actions.casework import (
    check_add_observable,
    check_add_task,
    check_link_incidents,
)
from siaga.incidents.actions.incidents import check_save_filter
from siaga.incidents.choices import Channel
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.notifications.actions import check_create_webhook
from siaga.notifications.models import Delivery
from siaga.organizations.actions import do_invite
from siaga.organizations.models import Invitation, Membership
from tests.matrix_base import (
    ALL,
    ANONYMOUS,
    CERT_STAFF,
    CHANGES_ANALYSTS_JOB,
    EVERYONE_SIGNED_IN,
    HOSPITAL_DESK,
    IN_AN_ORGANIZATION,
    LOOKS_UP_OWNERS,
    MANAGES_HOSPITAL,
    MANAGES_HOSPITAL_WEBHOOKS,
    READS_AUDIT,
    REPORTERS,
    SEES_ANALYSTS_JOB,
    SEES_HOSPITAL,
    SEES_HOSPITAL_DELIVERIES,
    SEES_HOSPITAL_INCIDENT,
    SEES_HOSPITAL_MEMBERS,
    Operation,
    Page,
    World,
)
from tests.matrix_rows import ROW_MODULES, taxii

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once per test process for this module's ~4,700 tests.

    Building it took as long as the request each test makes, and this module was two thirds of the
    suite's time. Each test still meets the same rows: pytest-django runs it in a transaction that
    nests, as a savepoint, in the one opened here, and rolls it back after the test; this one is
    rolled back when the module's last test is done.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(build_personas(build_orgs()))
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world: World, db: None) -> World:
    return shared_world


def build_world(personas: Personas) -> World:
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
        **registry_rows(personas),
        **incident_rows(personas),
        **notification_rows(personas),
        analyst_id=personas.cert_analyst.pk,
        extra=extra_rows(personas),
    )


def extra_rows(personas: Personas) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for module in ROW_MODULES:
        rows.update(module.rows(personas))
    return rows


def registry_rows(personas: Personas) -> dict[str, Any]:
    hospital, admin = personas.orgs.hospital, personas.cert_admin
    contact = check_create_contact(
        admin, hospital, {"name": "Dr. Sari", "role": "security_officer", "email": "sari@h.example"}
    )
    return {
        "contact_id": contact.pk,
        "asset_id": check_add_asset(admin, hospital, "ip_range", "192.0.2.0/24").pk,
        "pending_asset_id": check_add_asset(
            personas.constituent_admin, hospital, "domain", "hospital.example"
        ).pk,
        "item_id": check_create_item(
            admin, hospital, {"kind": "information_system", "name": "SIMRS"}
        ).pk,
    }


def incident_rows(personas: Personas) -> dict[str, Any]:
    report = check_submit_report(
        personas.constituent_reporter,
        {"title": "Ransom note", "description": "Files encrypted."},
        organization=None,
        channel=Channel.WEB,
        raw={},
    )
    incident = check_create_incident(
        personas.cert_analyst,
        {
            "title": "Ransomware",
            "affected_constituents": [personas.orgs.hospital.pk],
            "personal_data_involved": True,  # starts the personal-data clock
        },
    )
    evidence = do_add_evidence_from_bytes(b"%PDF-1.4 note", name="note.pdf", incident=incident)
    analyst = personas.cert_analyst
    other = check_create_incident(analyst, {"title": "Phishing wave"})
    third = check_create_incident(analyst, {"title": "Phishing wave, again"})
    task = check_add_task(analyst, incident, {"title": "Call the hospital"})
    observable = check_add_observable(analyst, incident, type="ip", value="203.0.113.5")
    link = check_link_incidents(analyst, incident, other.pk, "related")
    return {
        "report_id": report.pk,
        "incident_id": incident.pk,
        "other_incident_id": other.pk,
        "third_incident_id": third.pk,
        "third_reference": third.reference,
        "task_id": task.pk,
        "observable_id": observable.pk,
        "link_id": link.pk,
        "clock_id": incident.legal_clocks.get().pk,
        "saved_filter_id": check_save_filter(analyst, "Open P1", "status=new&priority=P1").pk,
        "evidence_id": evidence.pk,
    }


def notification_rows(personas: Personas) -> dict[str, Any]:
    hospital = personas.orgs.hospital
    webhook, _secret = check_create_webhook(
        personas.constituent_admin,
        hospital,
        {
            "name": "SOC",
            "url": "https://soc.hospital.example/siaga",
            "event_kinds": ["comment_shared"],
        },
    )
    delivery = Delivery.objects.create(
        channel="email", event_kind="report_received", organization=hospital, address="a@h.example"
    )
    return {"webhook_id": webhook.pk, "delivery_id": delivery.pk}


# --- Web pages -----------------------------------------------------------------------------------------


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
    # --- The constituent registry
    Page("constituents:list", EVERYONE_SIGNED_IN),
    Page("constituents:detail", SEES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("constituents:profile-edit", HOSPITAL_DESK, args=lambda w: [w.hospital_id]),
    Page("constituents:contact-create", HOSPITAL_DESK, args=lambda w: [w.hospital_id]),
    Page("constituents:contact-edit", HOSPITAL_DESK, args=lambda w: [w.contact_id]),
    Page("constituents:contact-delete", HOSPITAL_DESK, "post", lambda w: [w.contact_id]),
    Page("constituents:asset-create", HOSPITAL_DESK, args=lambda w: [w.hospital_id]),
    Page("constituents:asset-remove", HOSPITAL_DESK, "post", lambda w: [w.asset_id]),
    Page("constituents:asset-review-queue", CERT_STAFF),
    Page(
        "constituents:asset-review",
        CERT_STAFF,
        "post",
        lambda w: [w.pending_asset_id],
        {"decision": "approve"},
    ),
    # The coordination group sees the hospital but none of its inventory (an empty list).
    Page("constituents:inventory", SEES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("constituents:inventory-create", HOSPITAL_DESK, args=lambda w: [w.hospital_id]),
    Page("constituents:inventory-edit", HOSPITAL_DESK, args=lambda w: [w.item_id]),
    Page("constituents:inventory-delete", HOSPITAL_DESK, "post", lambda w: [w.item_id]),
    Page("constituents:inventory-import", HOSPITAL_DESK, args=lambda w: [w.hospital_id]),
    # The coordination group sees the hospital, so it may export: an empty inventory (tested).
    Page("constituents:inventory-export", SEES_HOSPITAL, args=lambda w: [w.hospital_id]),
    Page("constituents:lookup", LOOKS_UP_OWNERS),
    # --- Reports and incidents
    Page("incidents:public-report", ALL, public=True),
    Page("incidents:report-list", EVERYONE_SIGNED_IN),
    Page("incidents:report-create", REPORTERS),
    Page("incidents:report-detail", SEES_HOSPITAL_INCIDENT, args=lambda w: [w.report_id]),
    Page(
        "incidents:report-triage",
        CERT_STAFF,
        "post",
        lambda w: [w.report_id],
        {"action": "reject", "reason": "spam"},
    ),
    Page("incidents:list", EVERYONE_SIGNED_IN),
    Page("incidents:create", CERT_STAFF),
    Page("incidents:detail", SEES_HOSPITAL_INCIDENT, args=lambda w: [w.incident_id]),
    Page("incidents:edit", CERT_STAFF, args=lambda w: [w.incident_id]),
    Page(
        "incidents:transition", CERT_STAFF, "post", lambda w: [w.incident_id], {"status": "triage"}
    ),
    Page("incidents:assign", CERT_STAFF, "post", lambda w: [w.incident_id], {"assignee": ""}),
    # --- Deadlines and list tools
    Page("incidents:clocks", EVERYONE_SIGNED_IN),
    Page("incidents:clock-notice", SEES_HOSPITAL_INCIDENT, args=lambda w: [w.clock_id]),
    Page(
        "incidents:clock-sent",
        HOSPITAL_DESK,
        "post",
        lambda w: [w.clock_id],
        {"sent_to": "Lembaga PDP; 1,200 patients by letter"},
    ),
    Page(
        "incidents:clock-waive",
        HOSPITAL_DESK,
        "post",
        lambda w: [w.clock_id],
        {"note": "The records were encrypted and the key was not exposed."},
    ),
    Page("incidents:export", CERT_STAFF | {"auditor"}),
    Page(
        "incidents:bulk",
        CERT_STAFF,
        "post",
        data=lambda w: {"ids": [w.incident_id], "action": "assign", "assignee": w.analyst_id},
    ),
    # Whoever may list incidents: everyone in an organization.
    Page("incidents:saved-filter-create", IN_AN_ORGANIZATION, "post", data={"name": "New"}),
    Page(
        "incidents:saved-filter-delete",
        frozenset({"cert_analyst"}),
        "post",
        lambda w: [w.saved_filter_id],
    ),
    # --- Case work on an incident
    Page(
        "incidents:task-add",
        CERT_STAFF,
        "post",
        lambda w: [w.incident_id],
        {"title": "Call", "phase": "analysis"},
    ),
    Page(
        "incidents:task-update",
        CERT_STAFF,
        "post",
        lambda w: [w.task_id],
        lambda w: {f"task-{w.task_id}-status": "done"},
    ),
    Page(
        "incidents:playbook-apply",
        CERT_STAFF,
        "post",
        lambda w: [w.incident_id],
        {"playbook": "ransomware"},
    ),
    Page(
        "incidents:observable-add",
        CERT_STAFF,
        "post",
        lambda w: [w.incident_id],
        {"type": "domain", "value": "evil.example"},
    ),
    Page(
        "incidents:observable-paste",
        CERT_STAFF,
        "post",
        lambda w: [w.incident_id],
        {"text": "198.51.100.7\nevil.example", "type": ""},
    ),
    Page("incidents:observable-delete", CERT_STAFF, "post", lambda w: [w.observable_id]),
    Page(
        "incidents:observable-correlations",
        SEES_HOSPITAL_INCIDENT,
        args=lambda w: [w.observable_id],
    ),
    Page(
        "incidents:timeline-add",
        CERT_STAFF,
        "post",
        lambda w: [w.incident_id],
        {
            "occurred_at": "2026-11-30T08:15",
            "time_zone": "Asia/Jakarta",
            "source": "analyst",
            "description": "Ransom note found",
            "visibility": "internal",
        },
    ),
    Page(
        "incidents:comment-add",
        CERT_STAFF | {"constituent_admin", "constituent_reporter"},
        "post",
        lambda w: [w.incident_id],
        {"body": "We are on it.", "visibility": "shared"},
    ),
    Page(
        "incidents:link-add",
        CERT_STAFF,
        "post",
        lambda w: [w.other_incident_id],
        lambda w: {"target": w.third_reference, "kind": "same_campaign"},
    ),
    Page("incidents:link-delete", CERT_STAFF, "post", lambda w: [w.link_id]),
    Page(
        "incidents:merge",
        CERT_STAFF,
        "post",
        lambda w: [w.other_incident_id],
        lambda w: {"into": w.third_reference, "confirm": "on"},
    ),
    # --- Evidence
    Page("evidence:incident-upload", CERT_STAFF, args=lambda w: [w.incident_id]),
    Page(
        "evidence:report-upload",
        CERT_STAFF | {"constituent_admin", "constituent_reporter"},
        args=lambda w: [w.report_id],
    ),
    Page("evidence:detail", SEES_HOSPITAL_INCIDENT, args=lambda w: [w.evidence_id]),
    Page("evidence:download", SEES_HOSPITAL_INCIDENT, args=lambda w: [w.evidence_id]),
    Page("evidence:verify", CERT_STAFF, "post", lambda w: [w.evidence_id]),
    # --- Notifications
    Page("notifications:preferences", EVERYONE_SIGNED_IN),
    Page("notifications:webhook-list", MANAGES_HOSPITAL_WEBHOOKS),
    Page("notifications:webhook-create", MANAGES_HOSPITAL_WEBHOOKS),
    Page("notifications:webhook-edit", MANAGES_HOSPITAL_WEBHOOKS, args=lambda w: [w.webhook_id]),
    Page(
        "notifications:webhook-delete", MANAGES_HOSPITAL_WEBHOOKS, "post", lambda w: [w.webhook_id]
    ),
    Page("notifications:webhook-test", MANAGES_HOSPITAL_WEBHOOKS, "post", lambda w: [w.webhook_id]),
    Page(
        "notifications:webhook-rotate-secret",
        MANAGES_HOSPITAL_WEBHOOKS,
        "post",
        lambda w: [w.webhook_id],
    ),
    Page("notifications:delivery-list", SEES_HOSPITAL_DELIVERIES),
    Page("notifications:delivery-detail", SEES_HOSPITAL_DELIVERIES, args=lambda w: [w.delivery_id]),
]

PAGES += [page for module in ROW_MODULES for page in module.PAGES]

# URL names that are not pages of their own.
NOT_PAGES = {"api:api-root", "api:not-found"}
# The TAXII protocol answers 401, never a sign-in page: siaga/taxii/tests/test_matrix.py covers it.
NOT_PAGES |= taxii.PROTOCOL_URL_NAMES


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
        data = page.data(world) if callable(page.data) else page.data
        response = getattr(client, page.method)(url, data=data or {})
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
    # --- The constituent registry
    Operation("get", "/api/v1/constituents", EVERYONE_SIGNED_IN),
    Operation(
        "get", "/api/v1/constituents/{org_id}", SEES_HOSPITAL, lambda w: {"org_id": w.hospital_id}
    ),
    Operation(
        "patch",
        "/api/v1/constituents/{org_id}/profile",
        HOSPITAL_DESK,
        lambda w: {"org_id": w.hospital_id},
        {"city": "Jakarta Pusat"},
    ),
    Operation(
        "get",
        "/api/v1/constituents/{org_id}/contacts",
        SEES_HOSPITAL,
        lambda w: {"org_id": w.hospital_id},
    ),
    Operation(
        "post",
        "/api/v1/constituents/{org_id}/contacts",
        HOSPITAL_DESK,
        lambda w: {"org_id": w.hospital_id},
        {"name": "IT desk", "role": "it_lead", "email": "it@hospital.example"},
    ),
    Operation("get", "/api/v1/contacts/{id}", SEES_HOSPITAL, lambda w: {"id": w.contact_id}),
    Operation(
        "patch",
        "/api/v1/contacts/{id}",
        HOSPITAL_DESK,
        lambda w: {"id": w.contact_id},
        {"phone": "+62 21 555 0199"},
    ),
    Operation("delete", "/api/v1/contacts/{id}", HOSPITAL_DESK, lambda w: {"id": w.contact_id}),
    Operation(
        "get",
        "/api/v1/constituents/{org_id}/network-assets",
        SEES_HOSPITAL,
        lambda w: {"org_id": w.hospital_id},
    ),
    Operation(
        "post",
        "/api/v1/constituents/{org_id}/network-assets",
        HOSPITAL_DESK,
        lambda w: {"org_id": w.hospital_id},
        {"kind": "asn", "value": "AS64501"},
    ),
    Operation("get", "/api/v1/network-assets/{id}", SEES_HOSPITAL, lambda w: {"id": w.asset_id}),
    Operation("delete", "/api/v1/network-assets/{id}", HOSPITAL_DESK, lambda w: {"id": w.asset_id}),
    Operation(
        "post",
        "/api/v1/network-assets/{id}/review",
        CERT_STAFF,
        lambda w: {"id": w.pending_asset_id},
        {"decision": "approve"},
    ),
    Operation(
        "get",
        "/api/v1/constituents/{org_id}/inventory",
        SEES_HOSPITAL,
        lambda w: {"org_id": w.hospital_id},
        empty_for=frozenset({"coord_member"}),
    ),
    Operation(
        "post",
        "/api/v1/constituents/{org_id}/inventory",
        HOSPITAL_DESK,
        lambda w: {"org_id": w.hospital_id},
        {"kind": "medical_device", "name": "Infusion pump"},
    ),
    Operation("get", "/api/v1/inventory/{id}", SEES_HOSPITAL_INCIDENT, lambda w: {"id": w.item_id}),
    Operation(
        "patch",
        "/api/v1/inventory/{id}",
        HOSPITAL_DESK,
        lambda w: {"id": w.item_id},
        {"version": "2.1"},
    ),
    Operation("delete", "/api/v1/inventory/{id}", HOSPITAL_DESK, lambda w: {"id": w.item_id}),
    Operation("get", "/api/v1/lookup", LOOKS_UP_OWNERS, query="?value=192.0.2.7"),
    # --- Reports and incidents
    Operation("get", "/api/v1/reports", EVERYONE_SIGNED_IN),
    Operation(
        "post",
        "/api/v1/reports",
        REPORTERS,
        body={"title": "Phishing", "description": "A fake invoice."},
    ),
    Operation("get", "/api/v1/reports/{id}", SEES_HOSPITAL_INCIDENT, lambda w: {"id": w.report_id}),
    Operation(
        "post",
        "/api/v1/reports/{id}/triage",
        CERT_STAFF,
        lambda w: {"id": w.report_id},
        {"action": "reject", "reason": "spam"},
    ),
    Operation("get", "/api/v1/incidents", EVERYONE_SIGNED_IN),
    Operation("post", "/api/v1/incidents", CERT_STAFF, body={"title": "DDoS on the portal"}),
    Operation(
        "get", "/api/v1/incidents/{id}", SEES_HOSPITAL_INCIDENT, lambda w: {"id": w.incident_id}
    ),
    Operation(
        "patch",
        "/api/v1/incidents/{id}",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"title": "Ransomware (SIMRS)"},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/transition",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"status": "triage"},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/assign",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"assignee_id": None},
    ),
    # --- Deadlines and list tools
    Operation(
        "get",
        "/api/v1/incidents/{id}/clocks",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "get",
        "/api/v1/incidents/{id}/slas",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "get",
        "/api/v1/clocks",
        EVERYONE_SIGNED_IN,
        empty_for=EVERYONE_SIGNED_IN - SEES_HOSPITAL_INCIDENT,
    ),
    Operation(
        "get",
        "/api/v1/clocks/{id}/notice",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.clock_id},
        query="?language=id",
    ),
    Operation(
        "post",
        "/api/v1/clocks/{id}/sent",
        HOSPITAL_DESK,
        lambda w: {"id": w.clock_id},
        {"sent_to": "Lembaga PDP"},
    ),
    Operation(
        "post",
        "/api/v1/clocks/{id}/waive",
        HOSPITAL_DESK,
        lambda w: {"id": w.clock_id},
        {"note": "No personal data after all."},
    ),
    Operation("get", "/api/v1/incidents/export", CERT_STAFF | {"auditor"}),
    Operation(
        "post",
        "/api/v1/incidents/bulk",
        CERT_STAFF,
        body=lambda w: {"ids": [w.incident_id], "action": "assign", "assignee_id": w.analyst_id},
    ),
    Operation("get", "/api/v1/saved-filters", EVERYONE_SIGNED_IN),
    Operation(
        "post",
        "/api/v1/saved-filters",
        IN_AN_ORGANIZATION,
        body={"name": "Mine", "query": "status=new"},
    ),
    Operation(
        "delete",
        "/api/v1/saved-filters/{id}",
        frozenset({"cert_analyst"}),
        lambda w: {"id": w.saved_filter_id},
    ),
    # --- Case work
    Operation(
        "get",
        "/api/v1/incidents/{id}/tasks",
        CERT_STAFF | {"auditor"},
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/tasks",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"title": "Call"},
    ),
    Operation(
        "patch", "/api/v1/tasks/{id}", CERT_STAFF, lambda w: {"id": w.task_id}, {"status": "done"}
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/playbooks",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"playbook": "ransomware"},
    ),
    Operation("get", "/api/v1/playbooks", CERT_STAFF | {"auditor"}),
    Operation(
        "get",
        "/api/v1/incidents/{id}/observables",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/observables",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"type": "domain", "value": "evil.example"},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/observables/bulk",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"text": "198.51.100.7\nevil.example"},
    ),
    Operation("delete", "/api/v1/observables/{id}", CERT_STAFF, lambda w: {"id": w.observable_id}),
    Operation(
        "get",
        "/api/v1/observables/{id}/correlations",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.observable_id},
    ),
    Operation(
        "get",
        "/api/v1/incidents/{id}/timeline",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/timeline",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        {"occurred_at": "2026-11-30T01:15:00Z", "description": "Ransom note found"},
    ),
    Operation(
        "get",
        "/api/v1/incidents/{id}/comments",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/comments",
        CERT_STAFF | {"constituent_admin", "constituent_reporter"},
        lambda w: {"id": w.incident_id},
        {"body": "We are on it.", "visibility": "shared"},
    ),
    Operation(
        "get",
        "/api/v1/incidents/{id}/links",
        CERT_STAFF | {"auditor"},
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/links",
        CERT_STAFF,
        lambda w: {"id": w.other_incident_id},
        lambda w: {"target_id": w.third_incident_id, "kind": "same_campaign"},
    ),
    Operation("delete", "/api/v1/links/{id}", CERT_STAFF, lambda w: {"id": w.link_id}),
    Operation(
        "post",
        "/api/v1/incidents/{id}/merge",
        CERT_STAFF,
        lambda w: {"id": w.other_incident_id},
        lambda w: {"into_id": w.third_incident_id},
    ),
    # --- Evidence
    Operation(
        "get",
        "/api/v1/incidents/{id}/evidence",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.incident_id},
    ),
    Operation(
        "post",
        "/api/v1/incidents/{id}/evidence",
        CERT_STAFF,
        lambda w: {"id": w.incident_id},
        form={
            "file": lambda: SimpleUploadedFile("log.txt", b"Nov 30 sshd: failed"),
            "description": "log",
        },
    ),
    Operation(
        "get",
        "/api/v1/reports/{id}/evidence",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.report_id},
    ),
    Operation(
        "post",
        "/api/v1/reports/{id}/evidence",
        CERT_STAFF | {"constituent_admin", "constituent_reporter"},
        lambda w: {"id": w.report_id},
        form={"file": lambda: SimpleUploadedFile("shot.txt", b"what I saw"), "description": "x"},
    ),
    Operation(
        "get", "/api/v1/evidence/{id}", SEES_HOSPITAL_INCIDENT, lambda w: {"id": w.evidence_id}
    ),
    Operation(
        "get",
        "/api/v1/evidence/{id}/download",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.evidence_id},
    ),
    Operation(
        "get",
        "/api/v1/evidence/{id}/custody",
        SEES_HOSPITAL_INCIDENT,
        lambda w: {"id": w.evidence_id},
    ),
    # --- Notifications
    Operation("get", "/api/v1/notification-preferences", EVERYONE_SIGNED_IN),
    Operation(
        "put",
        "/api/v1/notification-preferences",
        EVERYONE_SIGNED_IN,
        body={"preferences": [{"event_kind": "incident_assigned", "email_enabled": False}]},
    ),
    Operation(
        "get",
        "/api/v1/webhooks",
        EVERYONE_SIGNED_IN,
        empty_for=EVERYONE_SIGNED_IN - MANAGES_HOSPITAL_WEBHOOKS,
    ),
    Operation(
        "post",
        "/api/v1/webhooks",
        MANAGES_HOSPITAL_WEBHOOKS,
        body=lambda w: {
            "organization": w.hospital_id,
            "name": "SIEM",
            "url": "https://siem.hospital.example/in",
            "event_kinds": ["incident_status_changed"],
        },
    ),
    Operation(
        "get", "/api/v1/webhooks/{id}", MANAGES_HOSPITAL_WEBHOOKS, lambda w: {"id": w.webhook_id}
    ),
    Operation(
        "patch",
        "/api/v1/webhooks/{id}",
        MANAGES_HOSPITAL_WEBHOOKS,
        lambda w: {"id": w.webhook_id},
        {"is_active": False},
    ),
    Operation(
        "delete", "/api/v1/webhooks/{id}", MANAGES_HOSPITAL_WEBHOOKS, lambda w: {"id": w.webhook_id}
    ),
    Operation(
        "post",
        "/api/v1/webhooks/{id}/rotate-secret",
        MANAGES_HOSPITAL_WEBHOOKS,
        lambda w: {"id": w.webhook_id},
    ),
    Operation(
        "get",
        "/api/v1/deliveries",
        EVERYONE_SIGNED_IN,
        empty_for=EVERYONE_SIGNED_IN - SEES_HOSPITAL_DELIVERIES,
    ),
    Operation(
        "get", "/api/v1/deliveries/{id}", SEES_HOSPITAL_DELIVERIES, lambda w: {"id": w.delivery_id}
    ),
]


OPERATIONS += [op for module in ROW_MODULES for op in module.OPERATIONS]


@pytest.mark.parametrize("persona", sorted(ALL))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_api_access(world: World, operation: Operation, persona: str) -> None:
    client = Client() if persona == ANONYMOUS else api_client_for(world.personas.by_name(persona))
    url = operation.path.format(**operation.params(world)) + operation.query
    kwargs: dict[str, Any] = {}
    if operation.body is not None:
        body = operation.body(world) if callable(operation.body) else operation.body
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    if operation.form is not None:
        kwargs = {"data": {k: v() if callable(v) else v for k, v in operation.form.items()}}
    with mock.patch("siaga.jobs.actions.dispatch"):
        response = getattr(client, operation.method)(url, **kwargs)
    status = response.status_code
    if persona == ANONYMOUS:
        assert status == 401, f"{operation.path}: anonymous got {status}"
    elif persona in operation.allowed:
        assert status in (200, 201, 202, 204), (
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
