"""``siaga correlate_backfill``: record every existing incident observable and indicator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from siaga.correlation.actions import backfill


class Command(BaseCommand):
    help = "Record every existing incident observable and indicator in the correlation store."

    def handle(self, *args: Any, **options: Any) -> None:
        for kind, stored in backfill().items():
            self.stdout.write(f"{kind}: {stored} new occurrences stored")
