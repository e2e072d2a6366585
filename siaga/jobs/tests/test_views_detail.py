"""A job's page: what it was asked to do and what it said; other users' jobs do not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job


@pytest.fixture
def analyst_job(personas) -> Job:
    return Job.objects.create(
        kind="system.smoke",
        created_by=personas.cert_analyst,
        params={"steps": 4, "step_seconds": 0.25},
        status=JobStatus.FAILED,
        log="[2026-01-01 00:00:00 UTC] smoke test: 4 steps of 0.25 s\n",
        message="RuntimeError: the worker tripped",
        attempts=2,
        worker="celery@worker-1",
    )


def test_owner_sees_parameters_log_and_outcome(client, personas, analyst_job):
    login(client, personas.cert_analyst)
    response = client.get(reverse("jobs:detail", args=[analyst_job.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("step_seconds", "0.25", "smoke test: 4 steps", "RuntimeError: the worker tripped"):
        assert text in html
    assert "celery@worker-1" in html


@pytest.mark.parametrize("persona", ["constituent_reporter", "other_reporter", "outsider"])
def test_other_users_jobs_are_not_found(client, personas, analyst_job, persona):
    second_analyst_job = Job.objects.create(kind="system.smoke", created_by=personas.cert_lead)
    login(client, personas.by_name(persona))
    for job in (analyst_job, second_analyst_job):
        for name in ("jobs:detail", "jobs:progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_analyst_cannot_see_a_colleagues_job(client, personas):
    job = Job.objects.create(kind="system.smoke", created_by=personas.cert_lead)
    login(client, personas.cert_analyst)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    login(client, personas.auditor)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
