"""``siaga intake_mail``: take in report e-mails now (the drop folder, and IMAP if configured).

``siaga intake_mail FILE.eml ...`` files the given messages directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.audit.context import audit_context
from siaga.integrations.mailintake.intake import take_in_mail
from siaga.integrations.mailintake.parser import MailRejected
from siaga.integrations.mailintake.tasks import collect_all


class Command(BaseCommand):
    help = "Take in incident reports from e-mail (.eml files, the drop folder, IMAP)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help=".eml files to file directly")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        with audit_context(via="cli"):
            if files:
                self._file(files)
                return
            for name, result in collect_all().items():
                self.stdout.write(
                    f"{name}: filed {', '.join(result['filed']) or 'nothing'}; "
                    f"{len(result['rejected'])} rejected; {len(result['failed'])} left for later"
                )
                for line in result["rejected"]:
                    self.stdout.write(f"  rejected {line}")

    def _file(self, files: list[Path]) -> None:
        for path in files:
            try:
                tracking_id = take_in_mail(path.read_bytes(), f"file:{path.name}")
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from exc
            except MailRejected as exc:
                raise CommandError(f"{path}: {exc}") from exc
            self.stdout.write(f"{path.name}: {tracking_id}")
