"""Real Celery worker processes: jobs run on them, survive a worker killed mid-job, and spread over two.

The broker is the one configured (the embedded file-system broker, or Redis when REDIS_URL is set),
and the workers use the test database, so these tests need committed data (transactional_db).
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from siaga.core.testing import WORKER_STALE_SECONDS, login, wait_for
from siaga.jobs import actions
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STALE_SECONDS = WORKER_STALE_SECONDS


def job_state(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def test_a_worker_killed_mid_job_loses_nothing_and_another_finishes_it(workers):
    first = workers("first")
    job = actions.do_enqueue_job("system.smoke", {"steps": 40, "step_seconds": 0.1})
    wait_for(lambda: job_state(job.pk).progress_done >= 3, 60, "the job never made progress")

    first.kill()
    killed = job_state(job.pk)
    assert killed.status == JobStatus.RUNNING
    assert 3 <= killed.progress_done < 40

    time.sleep(STALE_SECONDS + 1)  # the dead worker's heartbeat goes stale
    workers("second")
    assert job.pk in actions.requeue_stalled_jobs()  # what beat does every minute
    wait_for(
        lambda: job_state(job.pk).is_finished, 60, "the job was not finished by the second worker"
    )

    done = job_state(job.pk)
    assert done.status == JobStatus.SUCCEEDED
    assert done.attempts == 2
    assert done.worker == "second@test"
    assert "attempt 2: started again" in done.log
    assert done.result == {"steps": 40}


def test_two_workers_share_the_queue(workers):
    workers("one")
    workers("two")
    jobs = [
        actions.do_enqueue_job("system.smoke", {"steps": 4, "step_seconds": 0.25}) for _ in range(6)
    ]
    wait_for(lambda: all(job_state(j.pk).is_finished for j in jobs), 90, "not every job finished")
    finished = [job_state(j.pk) for j in jobs]
    assert {j.status for j in finished} == {JobStatus.SUCCEEDED}
    assert {j.worker for j in finished} == {"one@test", "two@test"}
    assert all(j.attempts == 1 for j in finished)


def test_health_reports_the_running_worker(workers, client, personas):
    workers("healthy")
    login(client, personas.cert_admin)
    body = client.get("/health/").json()
    assert "healthy@test" in [w["hostname"] for w in body["workers"]["workers"]]
    assert settings.CELERY_BROKER_URL.split(":")[0] in {"siagafs", "redis"}
