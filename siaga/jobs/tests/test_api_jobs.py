"""/api/v1/jobs: start a job, follow it, cancel and retry it; who sees and may start which."""

from unittest import mock

import pytest

from siaga.core.testing import api_client_for
from siaga.jobs import actions
from siaga.jobs.models import Job
from siaga.jobs.tasks import run_job

pytestmark = pytest.mark.django_db

SMOKE = {"kind": "system.smoke", "params": {"steps": 2, "step_seconds": 0}}


@pytest.fixture
def run_inline():
    """Workers run the job in this process as soon as the request commits."""
    with mock.patch(
        "siaga.jobs.actions.dispatch", side_effect=lambda job_id: run_job.apply(args=(job_id,))
    ):
        yield


@pytest.fixture
def held_in_queue():
    """No worker picks anything up: jobs stay queued."""
    with mock.patch("siaga.jobs.actions.dispatch") as dispatch:
        yield dispatch


def start(client, data=SMOKE):
    return client.post("/api/v1/jobs", data, content_type="application/json")


def test_a_started_job_runs_after_commit_and_reports_its_outcome(
    personas, run_inline, django_capture_on_commit_callbacks
):
    client = api_client_for(personas.cert_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    body = client.get(f"/api/v1/jobs/{response.json()['id']}").json()
    assert body["status"] == "succeeded"
    assert body["percent"] == 100
    assert body["progress"] == {"done": 2, "total": 2}
    assert body["result"] == {"steps": 2}
    assert "smoke test: 2 steps" in body["log"]
    assert body["timings"]["started_at"]
    assert body["timings"]["finished_at"]
    assert body["timings"]["duration_seconds"] >= 0
    assert body["created_by"]["id"] == personas.cert_analyst.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "no.such.kind"}, "kind"),
        ({"kind": "system.smoke", "params": {"steps": 0}}, "params"),
        ({"kind": "system.smoke", "params": {"colour": "red"}}, "params"),
        ({"kind": "system.smoke", "params": []}, "params"),
        ({"kind": ""}, "kind"),
    ],
)
def test_bad_job_requests_are_422(personas, held_in_queue, data, field):
    response = start(api_client_for(personas.cert_analyst), data)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not Job.objects.exists()


def test_a_reporter_may_not_start_jobs(personas, held_in_queue):
    assert start(api_client_for(personas.constituent_reporter)).status_code == 403


@pytest.mark.parametrize(
    ("persona", "kinds"),
    [
        (
            "cert_admin",
            [
                "advisories.remind",
                "assessments.remind",
                "audit.verify",
                "dashboards.rebuild",
                "digests.send",
                "exposures.match",
                "governance.remind",
                "incidents.scan_deadlines",
                "mail.collect",
                "reports.generate",
                "risks.remind",
                "system.smoke",
                "taxii.sync",
                "vulns.refresh",
            ],
        ),
        (
            "cert_analyst",
            [
                "advisories.remind",
                "assessments.remind",
                "dashboards.rebuild",
                "digests.send",
                "exposures.match",
                "governance.remind",
                "incidents.scan_deadlines",
                "mail.collect",
                "reports.generate",
                "risks.remind",
                "system.smoke",
                "vulns.refresh",
            ],
        ),
        ("auditor", ["audit.verify"]),
        ("constituent_reporter", []),
    ],
)
def test_job_kinds_are_those_the_user_may_start(personas, persona, kinds):
    body = api_client_for(personas.by_name(persona)).get("/api/v1/job-kinds").json()
    assert [kind["name"] for kind in body] == kinds
    assert all(kind["label"] for kind in body)


def test_each_persona_lists_the_jobs_they_may_see(personas, held_in_queue):
    mine = actions.check_start_job(personas.cert_analyst, "system.smoke", {})
    theirs = actions.check_start_job(personas.cert_lead, "system.smoke", {})
    analyst = api_client_for(personas.cert_analyst).get("/api/v1/jobs").json()
    assert [job["id"] for job in analyst["results"]] == [mine.pk]
    lead = api_client_for(personas.cert_lead).get("/api/v1/jobs").json()
    assert [job["id"] for job in lead["results"]] == [theirs.pk, mine.pk]
    assert "log" not in lead["results"][0]  # the list is a summary
    assert api_client_for(personas.cert_analyst).get(f"/api/v1/jobs/{theirs.pk}").status_code == 404


def test_the_job_list_filters_by_status_and_kind(personas, held_in_queue):
    queued = actions.check_start_job(personas.cert_admin, "system.smoke", {})
    cancelled = actions.check_start_job(personas.cert_admin, "audit.verify", {})
    actions.check_cancel_job(personas.cert_admin, cancelled)
    client = api_client_for(personas.cert_admin)
    assert [j["id"] for j in client.get("/api/v1/jobs?status=queued").json()["results"]] == [
        queued.pk
    ]
    assert [j["id"] for j in client.get("/api/v1/jobs?kind=audit.verify").json()["results"]] == [
        cancelled.pk
    ]
    assert client.get("/api/v1/jobs?status=lost").status_code == 422


def test_a_queued_job_is_cancelled_then_retried(personas, held_in_queue):
    client = api_client_for(personas.cert_analyst)
    job_id = start(client).json()["id"]
    response = client.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 422  # already finished
    retry = client.post(f"/api/v1/jobs/{job_id}/retry")
    assert retry.status_code == 201
    assert retry.json()["retry_of_id"] == job_id
    assert retry.json()["status"] == "queued"
    assert retry.json()["params"] == {"steps": 2, "step_seconds": 0.0}


def test_a_job_still_queued_cannot_be_retried(personas, held_in_queue):
    client = api_client_for(personas.cert_analyst)
    job_id = start(client).json()["id"]
    assert client.post(f"/api/v1/jobs/{job_id}/retry").status_code == 422


def test_a_lead_sees_but_may_not_cancel_someone_elses_job(personas, held_in_queue):
    job = actions.check_start_job(personas.cert_analyst, "system.smoke", {})
    client = api_client_for(personas.cert_lead)
    assert client.get(f"/api/v1/jobs/{job.pk}").status_code == 200
    assert client.post(f"/api/v1/jobs/{job.pk}/cancel").status_code == 403
    assert (
        api_client_for(personas.other_reporter).post(f"/api/v1/jobs/{job.pk}/cancel").status_code
        == 404
    )
