"""``siaga run``: the web server and a background worker (with its scheduler) in one terminal.

Ctrl-C stops both: each child's main process gets SIGTERM (a clean shutdown: the worker finishes
or hands back its current message), and a process group still alive after the grace period is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

GRACE_SECONDS = 15


class Command(BaseCommand):
    help = "Start the web server on 127.0.0.1:8000 and a worker with beat; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="Address for the web server.")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes.")

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        commands = {
            "web": [
                str(bin_dir / "gunicorn"),
                "siaga.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
            ],
            "worker": [
                str(bin_dir / "celery"),
                "--app",
                "siaga",
                "worker",
                "--beat",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
                "--concurrency",
                str(options["concurrency"]),
                "--loglevel",
                "INFO",
            ],
        }
        children = {
            name: subprocess.Popen(command, start_new_session=True, env=os.environ.copy())
            for name, command in commands.items()
        }
        self.stdout.write(
            self.style.SUCCESS(f"Siaga is running on http://{options['bind']}/ — Ctrl-C stops it.")
        )
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stopping:
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                self.stderr.write(f"{', '.join(exited)} stopped; stopping the rest.")
                break
            time.sleep(0.5)
        self.stop(children)

    def stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                # The main process only: gunicorn and celery stop their own workers in order.
                child.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {GRACE_SECONDS} s; killing it.")
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.stdout.write("Siaga stopped.")
