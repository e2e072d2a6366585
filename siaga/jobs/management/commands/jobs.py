"""``siaga jobs``: list job kinds and jobs, start a job and follow its progress bar."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from siaga.jobs.actions import do_enqueue_job
from siaga.jobs.models import Job
from siaga.jobs.registry import all_kinds, get_kind


def parse_param(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise CommandError(f"--param {text!r}: write NAME=VALUE")
    name, raw = text.split("=", 1)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


class Command(BaseCommand):
    help = "Background jobs: 'kinds', 'list', 'start KIND [--param N=V] [--wait]', 'watch ID'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("kinds", help="List the kinds of job.")
        listing = sub.add_parser("list", help="List recent jobs.")
        listing.add_argument("--limit", type=int, default=20)
        start = sub.add_parser("start", help="Queue a job (run as the system, audited).")
        start.add_argument("kind")
        start.add_argument(
            "--param", action="append", default=[], help="NAME=VALUE (JSON values allowed)"
        )
        start.add_argument(
            "--wait", action="store_true", help="Follow the job with a progress bar."
        )
        watch = sub.add_parser("watch", help="Follow a job's progress until it ends.")
        watch.add_argument("job_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        operation = options["operation"]
        if operation == "kinds":
            for kind in all_kinds():
                self.stdout.write(f"{kind.name}\t{kind.label}")
        elif operation == "list":
            for job in Job.objects.all()[: options["limit"]]:
                self.stdout.write(
                    f"{job.pk}\t{job.kind}\t{job.status}\t{job.percent}%\t{job.created_at:%Y-%m-%d %H:%M}"
                )
        elif operation == "start":
            job = self.start(options["kind"], dict(parse_param(p) for p in options["param"]))
            self.stdout.write(f"queued job {job.pk} ({job.kind})")
            if options["wait"]:
                self.follow(job.pk)
        elif operation == "watch":
            self.follow(options["job_id"])

    def start(self, kind_name: str, params: dict[str, Any]) -> Job:
        kind = get_kind(kind_name)
        if kind is None:
            raise CommandError(f"unknown job kind {kind_name!r}; see 'siaga jobs kinds'")
        try:
            cleaned = kind.clean_params(params)
        except (ValueError, TypeError, ValidationError) as exc:
            raise CommandError(f"bad parameters: {exc}") from exc
        return do_enqueue_job(kind, cleaned)

    def follow(self, job_id: int, poll_seconds: float = 0.5) -> None:
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"no job {job_id}")
        bar = tqdm(total=job.progress_total or None, unit="step", file=self.stderr)
        while True:
            job.refresh_from_db()
            if job.progress_total and bar.total != job.progress_total:
                bar.total = job.progress_total
            bar.n = job.progress_done
            bar.set_description(job.status)
            bar.refresh()
            if job.is_finished:
                break
            time.sleep(poll_seconds)
        bar.close()
        self.stdout.write(f"job {job.pk} {job.status}: {job.message}")
        if job.status != "succeeded":
            raise CommandError(f"job {job.pk} ended {job.status}")
