"""Schemathesis fuzzes every operation of the app's own /api/v1/openapi.json, in-process.

Each generated request goes through the WSGI application as a CERT administrator with a read-write
token, inside a transaction that is rolled back afterwards, so one example cannot change what the
next one meets. The test fails on any 5xx and on any answer the document does not describe.
"""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from schemathesis import checks

from siaga.core.testing import make_token
from siaga.jobs.actions import do_enqueue_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.organizations.actions import check_invite
from siaga.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def admin_headers(personas, settings):
    settings.SIAGA_API_RATE_PER_MINUTE = 1_000_000  # the fuzzer is not the client being limited
    # Something for the detail, cancel, retry and revoke operations to find (ids start low).
    do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0}, created_by=personas.cert_admin)
    Job.objects.create(kind="system.smoke", status=JobStatus.FAILED, created_by=personas.cert_admin)
    check_invite(
        personas.cert_admin, personas.orgs.hospital, "new@hospital.test", "constituent_reporter"
    )
    return {"Authorization": f"Bearer {make_token(personas.cert_admin, 'read_write')}"}


@pytest.fixture
def keep_test_connection():
    # Django closes "old" connections around each request; here the connection holds the test's
    # transaction, so keep it open as django.test.Client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the working tree
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_operation(case, admin_headers, keep_test_connection):
    with transaction.atomic():
        case.call_and_validate(headers=admin_headers, checks=CHECKS)
        transaction.set_rollback(True)
