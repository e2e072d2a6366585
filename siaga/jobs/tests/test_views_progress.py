"""The live part of a job's page: the htmx partial shows the row's progress and stops polling at the end."""

from __future__ import annotations

import re

from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.choices import JobStatus
from siaga.jobs.models import Job


def progress(client, job):
    response = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def attribute(html: str, testid: str, name: str) -> str:
    element = re.search(rf'<[^>]*data-testid="{testid}"[^>]*>', html)
    assert element, f"no element with data-testid={testid}"
    value = re.search(rf'{name}="([^"]*)"', element.group(0))
    assert value, f"{testid} has no {name}"
    return value.group(1)


def test_partial_reflects_the_rows_progress_while_running(client, personas):
    job = Job.objects.create(kind="system.smoke", created_by=personas.cert_analyst)
    login(client, personas.cert_analyst)

    html = progress(client, job)
    assert attribute(html, "job-progress", "aria-valuenow") == "0"
    assert attribute(html, "job-status", "class") == "badge badge-queued"
    assert 'hx-trigger="every 1s"' in html

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progress_done=3, progress_total=4, message="step 3 of 4"
    )
    html = progress(client, job)
    assert attribute(html, "job-progress", "aria-valuenow") == "75"
    assert attribute(html, "job-status", "class") == "badge badge-running"
    assert "step 3 of 4" in html
    assert f'hx-get="{reverse("jobs:progress", args=[job.pk])}"' in html
    assert 'hx-swap="outerHTML"' in html


def test_finished_job_stops_polling(client, personas):
    job = Job.objects.create(
        kind="system.smoke",
        created_by=personas.cert_analyst,
        status=JobStatus.SUCCEEDED,
        progress_done=4,
        progress_total=4,
        result={"steps": 4},
    )
    login(client, personas.cert_analyst)
    html = progress(client, job)
    assert attribute(html, "job-progress", "aria-valuenow") == "100"
    assert attribute(html, "job-status", "class") == "badge badge-succeeded"
    assert "hx-trigger" not in html
    assert "hx-get" not in html


def test_detail_page_embeds_the_polling_partial(client, personas):
    job = Job.objects.create(
        kind="system.smoke", created_by=personas.cert_analyst, status=JobStatus.RUNNING
    )
    login(client, personas.cert_analyst)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'data-testid="job-progress"' in html
    assert 'hx-trigger="every 1s"' in html


def test_progress_is_never_cached(client, personas):
    job = Job.objects.create(kind="system.smoke", created_by=personas.cert_analyst)
    login(client, personas.cert_analyst)
    response = client.get(reverse("jobs:progress", args=[job.pk]))
    assert "no-cache" in response["Cache-Control"]
