"""Pages of background jobs: the list with a start form, a job's page and its live progress.

A job the user may not see is a 404, whoever started it; a visible job the user may not change
(a CERT lead looking at an analyst's job) answers cancel and retry with a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from siaga.accounts.roles import principal_for
from siaga.core.forms import add_validation_error
from siaga.jobs.actions import check_cancel_job, check_retry_job, check_start_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.filters import JobFilterForm
from siaga.jobs.forms import StartJobForm, start_form_for
from siaga.jobs.models import Job
from siaga.jobs.registry import JobKind, all_kinds, get_kind

PAGE_SIZE = 25


def startable_kinds(user: Any) -> list[JobKind]:
    principal = principal_for(user)
    return [
        kind
        for kind in all_kinds()
        if kind.startable_by_users and principal.has_perm(kind.permission)
    ]


def _render_list(request: HttpRequest, submitted: StartJobForm | None = None) -> HttpResponse:
    filters = JobFilterForm(request.GET)
    jobs = filters.apply(Job.objects.restrict(request.user, "view").select_related("created_by"))
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    start_forms = [
        submitted
        if submitted is not None and submitted.job_kind == kind
        else start_form_for(kind.name)
        for kind in startable_kinds(request.user)
    ]
    context = {"filters": filters, "page": page, "start_forms": start_forms}
    return render(request, "jobs/list.html", context)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@login_required
@require_POST
def job_start(request: HttpRequest) -> HttpResponse:
    kind_name = request.POST.get("kind", "")
    form = start_form_for(kind_name, request.POST)
    if form.is_valid():
        try:
            job = check_start_job(request.user, kind_name, form.params())
        except ValidationError as exc:
            if get_kind(kind_name) is None:
                # No start form on the page to show the error on: a crafted or outdated request.
                messages.error(request, " ".join(exc.messages))
                return redirect("jobs:list")
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Job queued."))
            return redirect("jobs:detail", pk=job.pk)
    return _render_list(request, submitted=form)


def _access_job(user: Any, pk: int) -> Job:
    return get_object_or_404(
        Job.objects.restrict(user, "view").select_related("created_by", "retry_of"), pk=pk
    )


def _live_context(user: Any, job: Job) -> dict[str, Any]:
    """What the live part of a job's page needs, including which buttons it may show."""
    may_change = Job.objects.restrict(user, "change").filter(pk=job.pk).exists()
    kind = get_kind(job.kind)
    may_start_kind = kind is not None and principal_for(user).has_perm(kind.permission)
    return {
        "job": job,
        "can_cancel": may_change and not job.is_finished,
        "can_retry": may_change
        and may_start_kind
        and job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
    }


def _related_object(user: Any, job: Job) -> models.Model | None:
    """The object the job worked on, if the user may see it (shown by name, with a link)."""
    if job.related_type is None or not job.related_id:
        return None
    model = job.related_type.model_class()
    if model is None:
        return None
    manager = model._default_manager
    restrict = getattr(manager, "restrict", None)
    if restrict is None:
        return None
    return restrict(user, "view").filter(pk=job.related_id).first()


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _access_job(request.user, pk)
    context = _live_context(request.user, job)
    context.update(
        related_object=_related_object(request.user, job),
        retries=Job.objects.restrict(request.user, "view").filter(retry_of=job),
    )
    return render(request, "jobs/detail.html", context)


@never_cache
@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of a job's page; htmx polls it every second until the job has finished."""
    job = _access_job(request.user, pk)
    return render(request, "jobs/_live.html", _live_context(request.user, job))


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _access_job(request.user, pk)
    try:
        job = check_cancel_job(request.user, job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if job.status == JobStatus.CANCELLED:
            messages.success(request, _("Job cancelled."))
        else:
            messages.success(request, _("Cancellation requested: the job stops at its next step."))
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _access_job(request.user, pk)
    try:
        retry = check_retry_job(request.user, job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("jobs:detail", pk=job.pk)
    messages.success(request, _("Job queued again."))
    return redirect("jobs:detail", pk=retry.pk)
