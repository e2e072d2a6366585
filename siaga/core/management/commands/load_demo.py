"""``siaga load_demo``: the bilingual demo data set. Safe to run again: nothing is duplicated."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from siaga.accounts.roles import Role
from siaga.audit.context import audit_context
from siaga.core.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Load the demo organizations and one user per role (idempotent), then print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(via="cli"), transaction.atomic():
            users = load_demo_data()
        if options["quiet"]:
            return
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/ with:")
        )
        for user, role in users:
            self.stdout.write(
                f"  {Role(role).label:<30} {user.email:<36} password: {DEMO_PASSWORD}"
            )
        self.stdout.write(
            "CERT staff and administrators set up an authenticator app (TOTP) at their first sign-in."
        )
