"""Sets the audit context (who, from where, which request) for everything a request does."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from siaga.audit.context import AuditContext, set_context


def is_api_path(path: str) -> bool:
    """The JSON API and the TAXII protocol (not the TAXII collection pages under /manage/)."""
    if path.startswith("/taxii2/"):
        return not path.startswith("/taxii2/manage/")
    return path.startswith("/api/")


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: behind a reverse proxy, configure it to set REMOTE_ADDR (see README) rather
    # than trusting a forwarded header any client can forge.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        reset = set_context(
            AuditContext(
                # Resolved when an entry is written: authentication runs later in the chain.
                actor=lambda: getattr(request, "user", None),
                via="api" if is_api_path(request.path) else "web",
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            reset()
        response["X-Request-ID"] = request_id
        return response
