"""``siaga rebuild_dashboard_rollups``: recompute the incident roll-ups from the incidents."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from siaga.dashboards.rollups import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' incident roll-ups from the incidents: after a bulk load that "
        "bypassed the signals, or after SIAGA_SLA_TARGETS changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        days = rebuild()
        self.stdout.write(f"{days} day(s) rebuilt in {time.perf_counter() - started:.1f} s")
