"""A job's life: queued → claimed once → progress → succeeded / failed / cancelled; retry; requeue."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from siaga.audit.models import AuditEntry
from siaga.jobs import actions
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.registry import _KINDS, job_kind
from siaga.jobs.runner import execute_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched():
    with mock.patch("siaga.jobs.actions.dispatch") as dispatch:
        yield dispatch


@pytest.fixture
def failing_kind():
    @job_kind("test.fail", "fails", startable_by_users=False)
    def fail(context):
        context.progress(1, 2)
        raise ValueError("the input was bad")

    yield "test.fail"
    _KINDS.pop("test.fail")


def test_a_queued_job_is_dispatched_after_commit_and_audited(
    personas, dispatched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.check_start_job(
            personas.cert_analyst, "system.smoke", {"steps": 2, "step_seconds": 0}
        )
    dispatched.assert_called_once_with(job.pk)
    assert job.status == JobStatus.QUEUED and job.params == {"steps": 2, "step_seconds": 0.0}
    entry = AuditEntry.objects.get(object_type="jobs.job", object_id=str(job.pk))
    assert entry.actor_id == personas.cert_analyst.pk and entry.changes["event"] == "queued"


def test_a_job_is_claimed_only_once(personas, dispatched):
    job = actions.do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0})
    assert actions.claim_job(job.pk, "w1") is not None
    assert actions.claim_job(job.pk, "w2") is None  # a redelivered message finds it taken
    job.refresh_from_db()
    assert job.worker == "w1" and job.attempts == 1


def test_a_running_job_with_a_silent_worker_can_be_claimed_again(personas, dispatched, settings):
    job = actions.do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0})
    actions.claim_job(job.pk, "dead-worker")
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SIAGA_JOB_STALE_SECONDS + 1)
    )
    again = actions.claim_job(job.pk, "new-worker")
    assert again is not None and again.attempts == 2 and again.worker == "new-worker"


def test_a_smoke_job_runs_to_success_with_progress(dispatched):
    job = actions.do_enqueue_job("system.smoke", {"steps": 3, "step_seconds": 0})
    execute_job(actions.claim_job(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.result == {"steps": 3}
    assert job.finished_at is not None and "smoke test: 3 steps" in job.log


def test_a_failing_job_records_the_error(dispatched, failing_kind):
    job = actions.do_enqueue_job(failing_kind)
    execute_job(actions.claim_job(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "ValueError: the input was bad"
    assert "Traceback" in job.log


def test_cancelling_a_queued_job_stops_it_before_it_starts(personas, dispatched):
    job = actions.check_start_job(personas.cert_analyst, "system.smoke", {})
    actions.check_cancel_job(personas.cert_analyst, job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert actions.claim_job(job.pk) is None


def test_cancelling_a_running_job_stops_it_at_the_next_progress_report(personas, dispatched):
    job = actions.check_start_job(
        personas.cert_analyst, "system.smoke", {"steps": 50, "step_seconds": 0}
    )
    claimed = actions.claim_job(job.pk)
    actions.check_cancel_job(personas.cert_analyst, job)
    execute_job(claimed)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.progress_done < 50


def test_only_failed_or_cancelled_jobs_are_retried_as_a_new_job(personas, dispatched, failing_kind):
    job = actions.check_start_job(
        personas.cert_analyst, "system.smoke", {"steps": 1, "step_seconds": 0}
    )
    with pytest.raises(ValidationError):
        actions.check_retry_job(personas.cert_analyst, job)
    actions.check_cancel_job(personas.cert_analyst, job)
    job.refresh_from_db()
    retry = actions.check_retry_job(personas.cert_analyst, job)
    assert retry.pk != job.pk and retry.retry_of == job and retry.params == job.params


def test_other_users_cannot_cancel_or_retry_a_job(personas, dispatched):
    job = actions.check_start_job(personas.cert_analyst, "system.smoke", {})
    with pytest.raises(PermissionDenied):
        actions.check_cancel_job(personas.constituent_reporter, job)
    with pytest.raises(PermissionDenied):
        actions.check_cancel_job(
            personas.cert_lead, job
        )  # leads may see all jobs but change only their own
    actions.check_cancel_job(personas.cert_admin, job)  # admins may change every job


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"steps": 0}, "steps must be between 1 and 1000"),
        ({"steps": "many"}, "invalid literal"),
        ({"step_seconds": 60}, "step_seconds must be between 0 and 10"),
        ({"colour": "red"}, "unknown parameters: colour"),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_queued(personas, dispatched, params, message):
    with pytest.raises(ValidationError, match=message):
        actions.check_start_job(personas.cert_analyst, "system.smoke", params)
    assert not Job.objects.exists()


def test_unknown_kinds_and_missing_permission_are_refused(personas, dispatched):
    with pytest.raises(ValidationError):
        actions.check_start_job(personas.cert_admin, "no.such.kind", {})
    with pytest.raises(PermissionDenied):
        actions.check_start_job(personas.constituent_reporter, "system.smoke", {})
    with pytest.raises(PermissionDenied):
        actions.check_start_job(personas.cert_analyst, "audit.verify", {})  # needs audit.view
    assert actions.check_start_job(personas.auditor, "audit.verify", {}).kind == "audit.verify"


def test_requeue_picks_up_silent_running_jobs_and_lost_queued_ones(dispatched, settings):
    stale = timezone.now() - timedelta(seconds=settings.SIAGA_JOB_STALE_SECONDS + 5)
    silent = actions.do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0})
    actions.claim_job(silent.pk)
    Job.objects.filter(pk=silent.pk).update(heartbeat_at=stale)
    lost = actions.do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0})
    Job.objects.filter(pk=lost.pk).update(created_at=stale)
    fresh = actions.do_enqueue_job("system.smoke", {"steps": 1, "step_seconds": 0})
    dispatched.reset_mock()
    assert sorted(actions.requeue_stalled_jobs()) == sorted([silent.pk, lost.pk])
    assert sorted(call.args[0] for call in dispatched.call_args_list) == sorted(
        [silent.pk, lost.pk]
    )
    assert fresh.pk not in actions.requeue_stalled_jobs()


def test_audit_verify_job_reports_a_broken_chain(dispatched):
    from django.db import connection

    from siaga.audit.actions import do_record_event

    entry = do_record_event("export", object_type="test")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_repr = 'x' WHERE id = %s", [entry.pk])
    job = actions.do_enqueue_job("audit.verify")
    execute_job(actions.claim_job(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["intact"] is False
    assert any(f"seq={entry.seq}" in problem for problem in job.result["problems"])


def test_absurd_numbers_are_a_validation_error_not_a_crash(personas, dispatched):
    with pytest.raises(ValidationError):
        actions.check_start_job(personas.cert_analyst, "system.smoke", {"steps": float("inf")})
