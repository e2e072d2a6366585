"""Sign-in, sign-out, failed sign-in and lock-out events go to the audit trail."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction


@receiver(user_logged_in, dispatch_uid="siaga-audit-login")
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    do_record_event(AuditAction.LOGIN, user, actor=user)


@receiver(user_logged_out, dispatch_uid="siaga-audit-logout")
def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        do_record_event(AuditAction.LOGOUT, user, actor=user)


@receiver(user_login_failed, dispatch_uid="siaga-audit-login-failed")
def record_login_failure(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    name = str(credentials.get("username") or credentials.get("email") or "")[:254]
    do_record_event(AuditAction.LOGIN_FAILED, object_type="accounts.user", object_repr=name)


@receiver(user_locked_out, dispatch_uid="siaga-audit-lockout")
def record_lockout(
    sender: Any, request: Any = None, username: str | None = None, **kwargs: Any
) -> None:
    do_record_event(
        AuditAction.LOCKOUT, object_type="accounts.user", object_repr=(username or "")[:254]
    )
