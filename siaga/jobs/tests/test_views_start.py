"""Starting a job from the list page: validated parameters, a queued row, a worker told after commit."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job


@pytest.fixture
def dispatch():
    with mock.patch("siaga.jobs.actions.dispatch") as dispatched:
        yield dispatched


def test_analyst_starts_a_smoke_job(client, personas, dispatch, django_capture_on_commit_callbacks):
    login(client, personas.cert_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("jobs:start"), {"kind": "system.smoke", "steps": "3", "step_seconds": "0"}
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.created_by) == (JobStatus.QUEUED, personas.cert_analyst)
    assert job.params == {"steps": 3, "step_seconds": 0.0}
    dispatch.assert_called_once_with(job.pk)


def test_empty_parameters_take_the_defaults(client, personas, dispatch):
    login(client, personas.cert_lead)
    client.post(reverse("jobs:start"), {"kind": "system.smoke", "steps": "", "step_seconds": ""})
    assert Job.objects.get().params == {"steps": 20, "step_seconds": 0.5}


def test_bad_parameters_show_the_form_again(client, personas, dispatch):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("jobs:start"), {"kind": "system.smoke", "steps": "5000", "step_seconds": "0"}
    )
    assert response.status_code == 200
    [form] = [f for f in response.context["start_forms"] if f.job_kind.name == "system.smoke"]
    assert "steps" in form.errors
    assert not Job.objects.exists()


def test_unknown_kind_is_refused(client, personas, dispatch):
    login(client, personas.cert_admin)
    response = client.post(reverse("jobs:start"), {"kind": "nonsense.kind"})
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:list")
    assert not Job.objects.exists()


@pytest.mark.parametrize("persona", ["constituent_admin", "auditor", "coord_member", "outsider"])
def test_who_may_not_start_jobs(client, personas, dispatch, persona):
    login(client, personas.by_name(persona))
    response = client.post(reverse("jobs:start"), {"kind": "system.smoke", "steps": "2"})
    assert response.status_code == 403
    assert not Job.objects.exists()
    dispatch.assert_not_called()


def test_start_takes_only_post(client, personas):
    login(client, personas.cert_admin)
    assert client.get(reverse("jobs:start")).status_code == 405


def test_a_kind_without_parameters_starts_without_them(client, personas, dispatch):
    login(client, personas.auditor)
    response = client.post(reverse("jobs:start"), {"kind": "audit.verify"})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.params) == ("audit.verify", {})
