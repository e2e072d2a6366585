"""Cancelling and retrying jobs: owners and CERT administrators, each only in the right state."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job


@pytest.fixture(autouse=True)
def dispatch():
    with mock.patch("siaga.jobs.actions.dispatch") as dispatched:
        yield dispatched


def make_job(user, status=JobStatus.QUEUED) -> Job:
    return Job.objects.create(
        kind="system.smoke", created_by=user, status=status, params={"steps": 2, "step_seconds": 0}
    )


def post(client, name: str, job: Job):
    return client.post(reverse(name, args=[job.pk]))


def test_owner_cancels_a_queued_job_at_once(client, personas):
    job = make_job(personas.cert_analyst)
    login(client, personas.cert_analyst)
    response = post(client, "jobs:cancel", job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_cancelling_a_running_job_asks_it_to_stop(client, personas):
    job = make_job(personas.cert_analyst, JobStatus.RUNNING)
    login(client, personas.cert_admin)
    post(client, "jobs:cancel", job)
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (JobStatus.RUNNING, True)
    html = client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert "cancellation requested" in html


def test_finished_job_cannot_be_cancelled(client, personas):
    job = make_job(personas.cert_analyst, JobStatus.SUCCEEDED)
    login(client, personas.cert_analyst)
    assert post(client, "jobs:cancel", job).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (JobStatus.SUCCEEDED, False)


def test_lead_sees_but_may_not_cancel_an_analysts_job(client, personas):
    job = make_job(personas.cert_analyst)
    login(client, personas.cert_lead)
    assert post(client, "jobs:cancel", job).status_code == 403
    assert post(client, "jobs:retry", job).status_code == 403
    login(client, personas.auditor)
    assert post(client, "jobs:cancel", job).status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_strangers_get_not_found(client, personas):
    job = make_job(personas.cert_analyst)
    login(client, personas.constituent_admin)
    assert post(client, "jobs:cancel", job).status_code == 404
    assert post(client, "jobs:retry", job).status_code == 404


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_owner_retries_a_failed_or_cancelled_job(client, personas, dispatch, status):
    job = make_job(personas.cert_analyst, status)
    login(client, personas.cert_analyst)
    response = post(client, "jobs:retry", job)
    retry = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("jobs:detail", args=[retry.pk])
    assert (retry.retry_of, retry.params, retry.status) == (job, job.params, JobStatus.QUEUED)


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED])
def test_only_failed_or_cancelled_jobs_are_retried(client, personas, status):
    job = make_job(personas.cert_analyst, status)
    login(client, personas.cert_analyst)
    assert post(client, "jobs:retry", job).status_code == 302
    assert Job.objects.count() == 1


def test_buttons_match_the_rules(client, personas):
    running = make_job(personas.cert_analyst, JobStatus.RUNNING)
    failed = make_job(personas.cert_analyst, JobStatus.FAILED)
    login(client, personas.cert_analyst)
    live = client.get(reverse("jobs:progress", args=[running.pk])).context
    assert (live["can_cancel"], live["can_retry"]) == (True, False)
    live = client.get(reverse("jobs:progress", args=[failed.pk])).context
    assert (live["can_cancel"], live["can_retry"]) == (False, True)
    login(client, personas.cert_lead)
    live = client.get(reverse("jobs:progress", args=[failed.pk])).context
    assert (live["can_cancel"], live["can_retry"]) == (False, False)
