"""The ``exposures.match`` job, its parameters, and the per-constituent run after inventory changes."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from siaga.exposures.models import Finding
from siaga.exposures.tasks import JOB_KIND, clean_match_params, schedule_organization_match
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability
from siaga.jobs.actions import claim_job, do_enqueue_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job

pytestmark = pytest.mark.django_db


def run(job: Job) -> Job:
    claimed = claim_job(job.pk)
    assert claimed is not None
    execute_job(claimed)
    job.refresh_from_db()
    return job


def test_job_matches_and_reports(orgs: Any, django_capture_on_commit_callbacks: Any) -> None:
    vulnerability = make_vulnerability("CVE-2025-5001")
    make_product(vulnerability, vendor="Contoso", product="Gateway")
    make_item(orgs.hospital, vendor="Contoso", product="Gateway", version="1")
    with mock.patch("siaga.jobs.actions.dispatch"):
        job = do_enqueue_job(JOB_KIND, {})
    job = run(job)
    assert job.status == JobStatus.SUCCEEDED, job.log
    assert job.result["created"] == 1 and job.result["feed"]["events"] == 0
    assert "1 new" in job.log
    assert Finding.objects.count() == 1


def test_params_are_checked() -> None:
    assert clean_match_params({}) == {}
    assert clean_match_params({"organization": 3}) == {"organization": 3}
    for bad in ({"organization": "3"}, {"organization": True}, {"organization": 0}, {"x": 1}):
        with pytest.raises(ValueError, match="organization"):
            clean_match_params(bad)


def test_inventory_change_schedules_one_run(
    orgs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("siaga.jobs.actions.dispatch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        schedule_organization_match(orgs.hospital.pk)
        schedule_organization_match(orgs.hospital.pk)
    with (
        mock.patch("siaga.jobs.actions.dispatch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        schedule_organization_match(orgs.hospital.pk)
    jobs = Job.objects.filter(kind=JOB_KIND)
    assert [job.params for job in jobs] == [{"organization": orgs.hospital.pk}]
