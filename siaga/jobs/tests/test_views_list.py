"""The job list: everyone sees the jobs in their scope; CERT staff also get the start form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.accounts.roles import Role
from siaga.core.testing import login, make_user
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job


def make_job(user, **fields) -> Job:
    fields.setdefault("params", {"steps": 4, "step_seconds": 0})
    return Job.objects.create(kind="system.smoke", created_by=user, **fields)


def listed(client, **params) -> set[int]:
    response = client.get(reverse("jobs:list"), params)
    assert response.status_code == 200
    return {job.pk for job in response.context["page"].object_list}


@pytest.fixture
def jobs(personas):
    return {
        "analyst": make_job(personas.cert_analyst),
        "lead": make_job(personas.cert_lead, status=JobStatus.FAILED),
        "system": make_job(None, status=JobStatus.SUCCEEDED),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_admin", {"analyst", "lead", "system"}),
        ("cert_lead", {"analyst", "lead", "system"}),
        ("auditor", {"analyst", "lead", "system"}),
        ("cert_analyst", {"analyst"}),
        ("constituent_reporter", set()),
        ("outsider", set()),
    ],
)
def test_each_persona_sees_its_jobs(client, personas, jobs, persona, expected):
    login(client, personas.by_name(persona))
    assert listed(client) == {jobs[name].pk for name in expected}


def test_filters_by_status_and_kind(client, personas, jobs):
    login(client, personas.cert_admin)
    assert listed(client, status="failed") == {jobs["lead"].pk}
    assert listed(client, kind="system.smoke") == {job.pk for job in jobs.values()}
    assert listed(client, kind="feeds.nothing") == {job.pk for job in jobs.values()}  # bad value


def test_start_form_only_for_those_who_may_start(client, personas):
    login(client, personas.cert_analyst)
    response = client.get(reverse("jobs:list"))
    startable = {form.job_kind.name for form in response.context["start_forms"]}
    assert {"system.smoke", "incidents.scan_deadlines", "mail.collect"} <= startable
    assert "audit.verify" not in startable  # needs audit.view, which analysts lack
    assert 'name="step_seconds"' in response.content.decode()
    login(client, personas.constituent_admin)
    assert client.get(reverse("jobs:list")).context["start_forms"] == []
    login(client, personas.auditor)  # may verify the audit trail, nothing else
    forms = client.get(reverse("jobs:list")).context["start_forms"]
    assert [form.job_kind.name for form in forms] == ["audit.verify"]


def test_times_are_shown_in_the_users_zone(client, personas):
    analyst = personas.cert_analyst
    analyst.time_zone = "Asia/Makassar"
    analyst.save()
    make_job(analyst, created_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    login(client, analyst)
    html = client.get(reverse("jobs:list")).content.decode()
    assert "1 Mar 2026 09:30 WITA" in html


def test_list_queries_do_not_grow_with_rows(client, personas, django_assert_max_num_queries):
    login(client, personas.cert_admin)
    make_job(personas.cert_analyst)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("jobs:list"))
    for number in range(25):
        user = make_user(f"analyst{number}@cert.test", personas.orgs.cert, Role.CERT_ANALYST)
        make_job(user, status=JobStatus.RUNNING, progress_done=1, progress_total=4)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("jobs:list"))
    assert len(response.context["page"].object_list) == 25
    assert 'aria-valuenow="25"' in response.content.decode()
