"""``siaga audit verify``: check the audit trail's hash chain and name every broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from siaga.audit.actions import iter_chain_problems
from siaga.audit.models import AuditEntry


class Command(BaseCommand):
    help = "Audit trail operations. 'verify' checks the hash chain; exit status 1 when broken."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        verify = sub.add_parser(
            "verify", help="Check every entry's hash and link; list the broken ones."
        )
        verify.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "verify":
            self.verify(show_progress=not options["no_progress"])

    def verify(self, show_progress: bool) -> None:
        total = AuditEntry.objects.count()
        bar = tqdm(total=total, unit="entries", disable=not show_progress, file=self.stderr)
        last = [0]

        def progress(done: int, _total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        problems = list(iter_chain_problems(progress=progress))
        bar.close()
        for problem in problems:
            self.stdout.write(f"BROKEN {problem}")
        if problems:
            raise CommandError(f"audit trail broken: {len(problems)} problem(s) in {total} entries")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {total} entries verified"))
