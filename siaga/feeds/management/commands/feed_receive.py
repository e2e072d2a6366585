"""``siaga feed_receive --feed FEED FILE... [--now]``: hand reports to a feed from the command line.

Each file is stored raw (by checksum: the same file twice is one report) and its processing job is
queued for the workers; with ``--now`` the reports are processed in this process instead, with a
progress line per report. The exit status is 1 when a file was refused or failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from siaga.feeds.actions import copy_file_chunks, do_receive_report, stored_path
from siaga.feeds.choices import ReportSource
from siaga.feeds.models import Feed
from siaga.feeds.pipeline import process_report


class Command(BaseCommand):
    help = "Hand report files to a feed; they are stored raw and processed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Report files.")
        parser.add_argument("--feed", required=True, help="The feed (id or exact name).")
        parser.add_argument(
            "--now", action="store_true", help="Process here and now instead of by the workers."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        feed = _feed(options["feed"])
        failed = False
        for path in options["files"]:
            failed |= not self._receive(feed, path, options["now"])
        if failed:
            sys.exit(1)

    def _receive(self, feed: Feed, path: Path, now: bool) -> bool:
        if not path.is_file():
            self.stderr.write(f"{path}: no such file")
            return False
        try:
            report, created = do_receive_report(
                feed, copy_file_chunks(path), path.name, source=ReportSource.CLI, start=not now
            )
        except ValidationError as exc:
            self.stderr.write(f"{path.name}: {'; '.join(exc.messages)}")
            return False
        if not created:
            self.stdout.write(f"{path.name}: already received as report {report.pk}")
            return True
        if not now:
            self.stdout.write(f"{path.name}: report {report.pk} queued")
            return True
        try:
            result = process_report(report, stored_path(report))
        except Exception as exc:  # the report keeps its status and error; go on with the others
            self.stderr.write(f"{path.name}: failed: {exc}")
            return False
        self.stdout.write(
            f"{path.name}: report {report.pk}: {result.rows} rows, {result.stored} events stored, "
            f"{result.merged} duplicates merged, {result.quarantined} quarantined"
        )
        return True


def _feed(value: str) -> Feed:
    rows = (
        Feed.objects.filter(pk=int(value)) if value.isdigit() else Feed.objects.filter(name=value)
    )
    feed = rows.first()
    if feed is None:
        raise CommandError(f"no feed {value!r}")
    return feed
