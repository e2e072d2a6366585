"""``siaga taxii_sync [NAME ...]``: pull and push remote TAXII collections now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from siaga.integrations.taxiiclient.actions import sync
from siaga.integrations.taxiiclient.models import RemoteCollection


class Command(BaseCommand):
    help = "Pull from and push to the configured remote TAXII collections (all, or those named)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("names", nargs="*", help="remote collections by name (default: all)")
        parser.add_argument("--no-push", action="store_true", help="pull only")

    def handle(self, *args: Any, **options: Any) -> None:
        remotes = RemoteCollection.objects.select_related(
            "source_organization", "sharing_group", "push_from"
        )
        if options["names"]:
            remotes = remotes.filter(name__in=options["names"])
            missing = set(options["names"]) - {r.name for r in remotes}
            if missing:
                raise CommandError(f"No remote collection named: {', '.join(sorted(missing))}")
        failed = False
        for remote in remotes:
            try:
                result = sync(remote, push_now=not options["no_push"])
            except Exception as exc:  # report each remote, go on with the next
                failed = True
                self.stderr.write(f"{remote.name}: failed: {exc}")
                continue
            self.stdout.write(
                f"{remote.name}: pulled {result.pulled} (new {result.added}, "
                f"known {result.duplicates}, refused {result.failed}); pushed {result.pushed} "
                f"(refused {result.push_failed})"
            )
            for problem in result.problems:
                self.stdout.write(f"  {problem}")
        if failed:
            raise CommandError("Some remote collections failed; see above.")
