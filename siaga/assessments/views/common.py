"""What the assessments' pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language

from siaga.accounts.roles import principal_for


def require(request: HttpRequest, *permissions: str) -> None:
    """Refuse (403) unless the user holds one of the permissions."""
    principal = principal_for(request.user)
    if not any(principal.has_perm(permission) for permission in permissions):
        raise PermissionDenied


def has(request: HttpRequest, permission: str) -> bool:
    return principal_for(request.user).has_perm(permission)


def language() -> str:
    return (get_language() or "id").split("-")[0]


def report_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)
