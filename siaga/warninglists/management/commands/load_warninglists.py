"""``siaga load_warninglists [DIR...]``: load MISP warninglists from directories.

Without arguments, the directories of the setting ``SIAGA_WARNINGLIST_DIRS`` are loaded. Each
directory holds ``<list>/list.json`` files (the layout of the MISP/misp-warninglists repository).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.warninglists.loader import WarninglistFormatError, load_directory


class Command(BaseCommand):
    help = "Load MISP-format warninglists (<dir>/<list>/list.json); same version = no change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directories", nargs="*", help="Default: SIAGA_WARNINGLIST_DIRS.")

    def handle(self, *args: Any, **options: Any) -> None:
        directories = options["directories"] or list(
            getattr(settings, "SIAGA_WARNINGLIST_DIRS", [])
        )
        if not directories:
            raise CommandError("No directory given and SIAGA_WARNINGLIST_DIRS is empty.")
        for directory in directories:
            try:
                results = load_directory(directory)
            except WarninglistFormatError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            for result in results:
                self.stdout.write(
                    f"{result.outcome:9} {result.warninglist.name} "
                    f"(version {result.warninglist.version}, "
                    f"{result.warninglist.entry_count} entries)"
                )
            self.stdout.write(self.style.SUCCESS(f"{len(results)} lists from {directory}"))
