"""Production checks as Django system checks with stable ids (``siaga check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if not settings.PRODUCTION:
        problems.append(
            Warning(
                "SIAGA_ENV is not 'production'.",
                hint="Set SIAGA_ENV=production on a deployed server.",
                id="siaga.W001",
            )
        )
        return problems
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append(
            Warning(
                "Production runs on the embedded SQLite database.",
                hint="Set DATABASE_URL to a PostgreSQL database for production.",
                id="siaga.W002",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "Production runs with the embedded file-system broker.",
                hint="Set REDIS_URL so that workers on several machines can share the queue.",
                id="siaga.W003",
            )
        )
    if not settings.SMTP_HOST:
        problems.append(
            Error(
                "No SMTP server is configured: password resets and invitations would not be sent.",
                hint="Set SIAGA_EMAIL_HOST (and port, user, password).",
                id="siaga.E001",
            )
        )
    return problems
