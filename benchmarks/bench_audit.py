"""Audit trail throughput: appends per second and verification speed.

Every audited change takes the chain-head lock, so appends are serialised; this measures what that
costs. Run against a fresh database (a temporary SQLite file unless DATABASE_URL is set):

    .venv/bin/python benchmarks/bench_audit.py --entries 20000
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=20000)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="siaga-bench-")
    os.environ.setdefault("SIAGA_DATA_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from siaga.audit.actions import do_record_event, iter_chain_problems

    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    for i in range(args.entries):
        with transaction.atomic():
            do_record_event("export", object_type="bench", object_id=str(i), changes={"i": i})
    append_seconds = time.perf_counter() - started

    started = time.perf_counter()
    problems = list(iter_chain_problems())
    verify_seconds = time.perf_counter() - started
    assert not problems, problems

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {connection.vendor}"
    )
    print(
        f"append: {args.entries} entries in {append_seconds:.2f} s = {args.entries / append_seconds:,.0f} entries/s (one transaction each)"
    )
    print(
        f"verify: {args.entries} entries in {verify_seconds:.2f} s = {args.entries / verify_seconds:,.0f} entries/s"
    )


if __name__ == "__main__":
    main()
