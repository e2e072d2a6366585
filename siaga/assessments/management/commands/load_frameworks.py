"""``siaga load_frameworks [files]``: load framework files (the built-in ones without arguments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.assessments.actions import do_load_framework
from siaga.assessments.frameworks import builtin_files, parse_framework


class Command(BaseCommand):
    help = "Load assessment framework files (YAML); without files, the built-in frameworks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        files = options["files"] or list(builtin_files())
        failed = False
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.stderr.write(f"{path}: {exc}")
                failed = True
                continue
            parsed = parse_framework(text)
            if not parsed.ok:
                for line, message in parsed.errors:
                    self.stderr.write(f"{path}:{line}: {message}")
                failed = True
                continue
            try:
                framework, created = do_load_framework(parsed, text)
            except ValidationError as exc:
                self.stderr.write(f"{path}: {' '.join(exc.messages)}")
                failed = True
                continue
            state = "loaded" if created else "already loaded"
            self.stdout.write(f"{path}: {framework.slug} {framework.version} {state}")
        if failed:
            raise CommandError("Some files were not loaded.")
