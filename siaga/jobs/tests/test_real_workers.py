"""Real Celery worker processes: jobs run on them, survive a worker killed mid-job, and spread over two.

The broker is the one configured (the embedded file-system broker, or Redis when REDIS_URL is set),
and the workers use the test database, so these tests need committed data (transactional_db).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from siaga.jobs import actions
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job, WorkerHeartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STALE_SECONDS = 3
ROOT = Path(__file__).resolve().parents[3]


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


class Worker:
    def __init__(self, name: str) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            SIAGA_TESTING="1",
            SIAGA_JOB_STALE_SECONDS=str(STALE_SECONDS),
            SIAGA_WORKER_HEARTBEAT_SECONDS="1",
        )
        self.name = name
        self.log = open(ROOT / "var" / f"test-worker-{name}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "--app", "siaga", "worker",
                "--hostname", f"{name}@test",
                "--concurrency", "1",
                "--pool", "prefork",
                "--without-gossip", "--without-mingle",
                "--loglevel", "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches its pool child too
        )

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                self.log.flush()
                tail = (ROOT / "var" / f"test-worker-{self.name}.log").read_text()[-3000:]
                pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{tail}")
            return WorkerHeartbeat.objects.filter(hostname=f"{self.name}@test").exists()

        wait_for(ready, timeout, f"worker {self.name} did not start; see var/test-worker-{self.name}.log")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(message)


@pytest.fixture
def workers(settings) -> Iterator[Callable[[str], Worker]]:
    settings.SIAGA_JOB_STALE_SECONDS = STALE_SECONDS
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


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
    wait_for(lambda: job_state(job.pk).is_finished, 60, "the job was not finished by the second worker")

    done = job_state(job.pk)
    assert done.status == JobStatus.SUCCEEDED
    assert done.attempts == 2
    assert done.worker == "second@test"
    assert "attempt 2: started again" in done.log
    assert done.result == {"steps": 40}


def test_two_workers_share_the_queue(workers):
    workers("one")
    workers("two")
    jobs = [actions.do_enqueue_job("system.smoke", {"steps": 4, "step_seconds": 0.25}) for _ in range(6)]
    wait_for(lambda: all(job_state(j.pk).is_finished for j in jobs), 90, "not every job finished")
    finished = [job_state(j.pk) for j in jobs]
    assert {j.status for j in finished} == {JobStatus.SUCCEEDED}
    assert {j.worker for j in finished} == {"one@test", "two@test"}
    assert all(j.attempts == 1 for j in finished)


def test_health_reports_the_running_worker(workers, client):
    workers("healthy")
    body = client.get("/health/").json()
    assert "healthy@test" in [w["hostname"] for w in body["workers"]["workers"]]
    assert settings.CELERY_BROKER_URL.split(":")[0] in {"filesystem", "redis"}
