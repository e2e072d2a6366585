"""The home page, the health endpoint and the handlers of errors Django answers itself."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from siaga.core.apitools import problem_response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from siaga.jobs.models import Job

    recent_jobs = Job.objects.restrict(request.user, "view").select_related("created_by")[:5]
    return render(request, "core/home.html", {"recent_jobs": recent_jobs})


def _database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}


def _broker_status() -> dict[str, Any]:
    from siaga.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return {"status": "ok", "transport": conn.transport_cls}
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}


def _worker_status(show_hosts: bool) -> dict[str, Any]:
    from siaga.jobs.worker import live_workers

    try:
        workers = live_workers()
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}
    status: dict[str, Any] = {"status": "ok" if workers else "none", "count": len(workers)}
    if show_hosts:
        status["workers"] = [
            {"hostname": w.hostname, "last_seen": w.last_seen.isoformat()} for w in workers
        ]
    return status


def _may_see_hosts(request: HttpRequest) -> bool:
    # The endpoint is public (load balancers, monitoring); machine names are for the CERT only.
    from siaga.accounts.roles import principal_for

    return request.user.is_authenticated and principal_for(request.user).is_cert_staff


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker status; 503 when the database or broker is down.

    No worker is reported but not an error here: the web tier is healthy even while workers restart.
    Anyone may ask; only CERT staff see the workers' host names.
    """
    database = _database_status()
    broker = _broker_status()
    workers = (
        _worker_status(_may_see_hosts(request))
        if database["status"] == "ok"
        else {"status": "unknown"}
    )
    healthy = database["status"] == "ok" and broker["status"] == "ok"
    body = {
        "status": "ok" if healthy else "error",
        "database": database,
        "broker": broker,
        "workers": workers,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: a request Django refuses before any view (an empty or disallowed Host
    header, a malformed multipart body) — a problem document under the API, the usual page
    elsewhere."""
    if request.path.startswith("/api/"):
        return problem_response(400, "bad-request", _("The request could not be read."))
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an API client gets a problem document, a browser the usual page."""
    if request.path.startswith("/api/"):
        return problem_response(500, "server-error", _("Something went wrong on our side."))
    return defaults.server_error(request)
