"""Background jobs as database rows, and the heartbeats of the workers that run them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel
from siaga.jobs.choices import FINISHED_STATUSES, JobStatus


class Job(RestrictedModel):
    """One piece of background work: what, for whom, how far it got, and what it said.

    Celery carries the job; this row is the truth about it. Workers claim a job with a conditional
    UPDATE (``siaga.jobs.actions.claim_job``), so a redelivered message never runs a job twice.
    """

    restrict_owner_field = "created_by"
    audit_enabled = (
        False  # progress writes are not business changes; actions audit start/cancel/retry
    )

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
        db_index=True,
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    progress_done = models.PositiveBigIntegerField(_("done"), default=0)
    progress_total = models.PositiveBigIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    log = models.TextField(_("log"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    related_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    related_object = GenericForeignKey("related_type", "related_id")
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()

    @property
    def kind_label(self) -> str:
        from siaga.jobs.registry import get_kind

        kind = get_kind(self.kind)
        return str(kind.label) if kind else self.kind


class WorkerHeartbeat(models.Model):
    """A running worker process says it is alive every few seconds (``siaga.jobs.worker``)."""

    audit_enabled = False

    hostname = models.CharField(max_length=200, unique=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.hostname
