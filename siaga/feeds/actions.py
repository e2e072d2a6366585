"""Receiving reports (stored raw first) and starting their processing.

``do_receive_report`` copies the file into the report store under its SHA-256, records the
``FeedReport`` and starts a ``feeds.process`` job after commit. The same file from the same feed is
the same report: receiving it again returns the existing one and starts nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.feeds.choices import CollectorKind, FeedReportStatus, ParserKind
from siaga.feeds.models import SCHEDULED_COLLECTORS, Feed, FeedReport, QuarantinedRow
from siaga.feeds.parsers import shadowserver
from siaga.jobs.actions import do_enqueue_job
from siaga.jobs.choices import FINISHED_STATUSES
from siaga.jobs.models import Job
from siaga.notifications.models import validate_webhook_url

JOB_KIND = "feeds.process"
COPY_BLOCK = 1024 * 1024


def report_store() -> Path:
    """Where received reports are kept, by checksum (``SIAGA_FEED_REPORT_DIR``)."""
    return Path(settings.SIAGA_FEED_REPORT_DIR)


def stored_path(report: FeedReport) -> Path:
    return report_store() / report.sha256[:2] / report.sha256


def max_report_bytes() -> int:
    return int(getattr(settings, "SIAGA_FEED_REPORT_MAX_MB", 4096)) * 1024 * 1024


def check_receive_report(
    user: Any, feed: Feed, chunks: Iterable[bytes], file_name: str, *, source: str
) -> tuple[FeedReport, bool]:
    """A user hands in a report for a feed: permission, then ``do_receive_report``."""
    if not principal_for(user).has_perm("feedreport.add"):
        raise PermissionDenied(_("You may not hand in feed reports."))
    if not feed.is_active:
        raise ValidationError({"feed": _("This feed is switched off.")})
    return do_receive_report(feed, chunks, file_name, source=source, user=user)


def do_receive_report(
    feed: Feed,
    chunks: Iterable[bytes],
    file_name: str,
    *,
    source: str,
    user: Any = None,
    start: bool = True,
) -> tuple[FeedReport, bool]:
    """Store the file, record the report and (``start``) queue its processing; (report, created)."""
    name = os.path.basename(file_name or "").strip()[:255] or "report"
    temporary, digest, size = _spool(chunks)
    try:
        if size == 0:
            raise ValidationError({"file": _("The file is empty.")})
        existing = FeedReport.objects.filter(feed=feed, sha256=digest).first()
        if existing is not None:
            return existing, False
        report_type = _check_report_type(feed, name)
        target = report_store() / digest[:2] / digest
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.replace(temporary, target)
        try:
            with transaction.atomic():
                report = FeedReport.objects.create(
                    feed=feed,
                    file_name=name,
                    sha256=digest,
                    size=size,
                    source=source,
                    report_type=report_type,
                    received_by=user if getattr(user, "is_authenticated", False) else None,
                )
                do_record_event(
                    AuditAction.CREATE,
                    report,
                    changes={"feed": feed.name, "file": name, "sha256": digest, "size": size},
                    actor=user,
                )
                if start:
                    do_start_processing(report, user=user)
        except IntegrityError:  # the same file arrived at the same moment by another way
            return FeedReport.objects.get(feed=feed, sha256=digest), False
        return report, True
    finally:
        Path(temporary).unlink(missing_ok=True)


def _spool(chunks: Iterable[bytes]) -> tuple[str, str, int]:
    """Write the incoming bytes to a temporary file beside the store, hashing as they pass."""
    store = report_store()
    store.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    limit = max_report_bytes()
    handle = tempfile.NamedTemporaryFile(dir=store, prefix=".incoming-", delete=False)  # noqa: SIM115
    try:
        with handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ValidationError(
                        {
                            "file": _("The file is larger than %(limit)d MB.")
                            % {"limit": limit // 2**20}
                        }
                    )
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        # Too large, or the sender broke off (a dropped download, a full disk): nothing stays.
        Path(handle.name).unlink(missing_ok=True)
        raise
    return handle.name, digest.hexdigest(), size


def _check_report_type(feed: Feed, file_name: str) -> str:
    if feed.parser != ParserKind.SHADOWSERVER:
        return ""
    found = shadowserver.detect_report(file_name)
    if found is None:
        raise ValidationError(
            {
                "file": _(
                    "%(name)s is not a Shadowserver report type Siaga knows: the file name must "
                    "contain the report's name, such as scan_ftp or event4_sinkhole_http."
                )
                % {"name": file_name}
            }
        )
    return found.key


def do_start_processing(report: FeedReport, *, user: Any = None) -> Job:
    """Queue the job that processes a stored report (after commit)."""
    return do_enqueue_job(JOB_KIND, {"report": report.pk}, created_by=user, related=report)


def check_reprocess_report(user: Any, report: FeedReport) -> Job:
    """Run a report again: chunks stored already are skipped, so only what failed is redone."""
    if not principal_for(user).has_perm("feedreport.add"):
        raise PermissionDenied(_("You may not process feed reports."))
    waiting = report_jobs(report).exclude(status__in=FINISHED_STATUSES).exists()
    if report.status == FeedReportStatus.PROCESSING or waiting:
        raise ValidationError(_("This report is being processed."))
    return do_start_processing(report, user=user)


def copy_file_chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(COPY_BLOCK), b"")


def remove_stored_file(report: FeedReport) -> None:
    path = stored_path(report)
    if (
        path.exists()
        and not FeedReport.objects.filter(sha256=report.sha256).exclude(pk=report.pk).exists()
    ):
        path.unlink()


# --- Reading, with the permission checks the pages and the API share -------------------------------


def may(user: Any, permission: str) -> bool:
    """``permission`` is a role permission such as ``feed.add`` or ``feedreport.view``."""
    return principal_for(user).has_perm(permission)


def require(user: Any, permission: str) -> None:
    if not may(user, permission):
        raise PermissionDenied


def visible_feeds(user: Any) -> QuerySet[Feed]:
    """The feeds a user may see, each with ``last_report_id`` and ``last_report_at``."""
    latest = FeedReport.objects.filter(feed=OuterRef("pk")).order_by("-received_at", "-id")
    return Feed.objects.restrict(user, "view").annotate(
        last_report_id=Subquery(latest.values("pk")[:1]),
        last_report_at=Subquery(latest.values("received_at")[:1]),
    )


def access_feed(user: Any, pk: int) -> Feed:
    """The feed if the user may see it; 404 otherwise (its existence is not revealed)."""
    return get_object_or_404(visible_feeds(user), pk=pk)


def visible_reports(user: Any) -> QuerySet[FeedReport]:
    return FeedReport.objects.restrict(user, "view").select_related("feed", "received_by")


def access_report(user: Any, pk: int) -> FeedReport:
    """The report if the user may see it; 404 otherwise."""
    return get_object_or_404(visible_reports(user), pk=pk)


def visible_quarantine(user: Any, report: FeedReport) -> QuerySet[QuarantinedRow]:
    return QuarantinedRow.objects.restrict(user, "view").filter(report=report).order_by("row")


def report_jobs(report: FeedReport) -> QuerySet[Job]:
    """The ``feeds.process`` jobs of a report, newest first."""
    return Job.objects.filter(
        kind=JOB_KIND,
        related_type=ContentType.objects.get_for_model(FeedReport),
        related_id=str(report.pk),
    ).order_by("-created_at", "-id")


def latest_jobs(reports: Iterable[FeedReport]) -> dict[int, Job]:
    """The newest ``feeds.process`` job of each report, by report id, in one query."""
    ids = [str(report.pk) for report in reports]
    jobs = Job.objects.filter(
        kind=JOB_KIND,
        related_type=ContentType.objects.get_for_model(FeedReport),
        related_id__in=ids,
    ).order_by("created_at", "id")
    return {int(job.related_id): job for job in jobs}  # the newest of each comes last


# --- Configuring feeds ----------------------------------------------------------------------------

FEED_FIELDS = (
    "name",
    "provider",
    "parser",
    "collector",
    "url",
    "auth_header",
    "username",
    "verify_tls",
    "mail_host",
    "mail_port",
    "mail_folder",
    "mail_use_tls",
    "attachment_pattern",
    "mapping",
    "fetch_every_minutes",
    "is_active",
    "description",
)
SECRET_FIELD = "secret"  # noqa: S105 (the name of a form field, not a password)
MAX_FETCH_MINUTES = 366 * 24 * 60  # a yearly fetch is the rarest that makes sense
MAPPED_PARSERS = (ParserKind.MAPPED_CSV, ParserKind.MAPPED_JSON)
MAX_MAPPING_CHARACTERS = 64 * 1024  # a mapping names columns; anything larger is not one
# A TAXII 2.1 collection's address: …/<api-root>/collections/<id>/ (the objects are below it).
_TAXII_COLLECTION_PATH = re.compile(r"/collections/[^/]+/?$")
_HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:]{2,39}")  # a name, IPv4 or IPv6


def validate_feed_url(url: str) -> None:
    """The rules of webhook addresses: https://, or http:// only to the hosts settings allow
    (``SIAGA_WEBHOOK_HTTP_HOSTS``), and no credentials, which would be stored and shown in clear."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        messages = {
            "insecure": _("Feeds must be fetched over https://."),
            "credentials": _("Put no user name or password in the address."),
        }
        raise ValidationError(
            messages.get(exc.code or "", exc.messages[0]), code=exc.code
        ) from None


def validate_mail_server(host: str, *, use_tls: bool) -> None:
    """An IMAP server is reached over TLS; plain IMAP (password in clear) only to the hosts the
    webhook rule lets plain http reach (``SIAGA_WEBHOOK_HTTP_HOSTS``, e.g. a local relay)."""
    if not host:
        raise ValidationError(_("Enter the IMAP server's host name."), code="required")
    if not _HOST_NAME.fullmatch(host):
        raise ValidationError(
            _("Enter a host name or an address, such as imap.example.org."), code="invalid"
        )
    allowed = getattr(settings, "SIAGA_WEBHOOK_HTTP_HOSTS", [])
    if not use_tls and host.lower() not in allowed:
        raise ValidationError(
            _("Mailboxes must be read over TLS; plain IMAP only to the hosts the server allows."),
            code="insecure",
        )


def _clean_feed(feed: Feed) -> None:
    errors: dict[str, list[str]] = {}
    if feed.collector == CollectorKind.HTTP and not feed.url:
        errors["url"] = [_("A feed fetched over HTTP needs its address.")]
    elif feed.collector == CollectorKind.TAXII and not feed.url:
        errors["url"] = [_("A TAXII feed needs its collection's address.")]
    elif feed.url:
        try:
            validate_feed_url(feed.url)
        except ValidationError as exc:
            errors["url"] = exc.messages
    if feed.collector == CollectorKind.TAXII and "url" not in errors:
        _clean_taxii(feed, errors)
    if feed.collector == CollectorKind.IMAP:
        _clean_imap(feed, errors)
    _clean_mapping_size(feed, errors)
    if feed.parser in MAPPED_PARSERS and "mapping" not in errors:
        _clean_mapping(feed, errors)
    if not 1 <= (feed.fetch_every_minutes or 0) <= MAX_FETCH_MINUTES:
        errors["fetch_every_minutes"] = [
            _("Enter a number of minutes from 1 to %(max)d.") % {"max": MAX_FETCH_MINUTES}
        ]
    try:
        feed.full_clean(exclude=list(errors))  # one message per field is enough
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _clean_taxii(feed: Feed, errors: dict[str, list[str]]) -> None:
    if not _TAXII_COLLECTION_PATH.search(urlsplit(feed.url).path):
        errors["url"] = [
            _(
                "Enter the address of a TAXII 2.1 collection, ending in "
                "/collections/<collection id>/."
            )
        ]


def _clean_imap(feed: Feed, errors: dict[str, list[str]]) -> None:
    try:
        validate_mail_server(feed.mail_host, use_tls=feed.mail_use_tls)
    except ValidationError as exc:
        errors["mail_host"] = exc.messages
    if not feed.username:
        errors["username"] = [_("Enter the mailbox's user name.")]
    if not feed.secret:
        errors["secret"] = [_("Enter the mailbox's password.")]
    if not 1 <= (feed.mail_port or 0) <= 65535:
        errors["mail_port"] = [_("Enter a port from 1 to 65535.")]
    if not feed.mail_folder:
        errors["mail_folder"] = [_("Enter the folder to read, such as INBOX.")]


def _clean_mapping_size(feed: Feed, errors: dict[str, list[str]]) -> None:
    text = json.dumps(feed.mapping)
    if len(text) > MAX_MAPPING_CHARACTERS:
        errors["mapping"] = [_("The mapping is too long.")]
    elif "\\u0000" in text:  # PostgreSQL cannot store NUL characters in JSON
        errors["mapping"] = [_("Remove the NUL characters.")]


def _clean_mapping(feed: Feed, errors: dict[str, list[str]]) -> None:
    try:
        # Imported here: the mapped parsers are their own module, loaded only when needed.
        from siaga.feeds.parsers.mapping import mapping_errors
    except ImportError:  # pragma: no cover  (a deployment without the mapped parsers)
        return
    problems = mapping_errors(feed.mapping)
    if problems:
        errors["mapping"] = problems


def check_save_feed(user: Any, data: dict[str, Any], feed: Feed | None = None) -> Feed:
    """Create a feed (``feed`` None; needs ``feed.add``) or change one (``feed.change``).

    ``data`` holds some of ``FEED_FIELDS`` and may hold ``secret``, the value sent in the
    authentication header: stored sealed, never shown; "" removes it, absent keeps it. The saves
    are audited by the audit signals (the secret left out)."""
    require(user, "feed.add" if feed is None else "feed.change")
    data = dict(data)
    secret = data.pop(SECRET_FIELD, None)
    unknown = set(data) - set(FEED_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        target = Feed() if feed is None else Feed.objects.select_for_update().get(pk=feed.pk)
        earlier_source = (target.collector, target.url)
        for name, value in data.items():
            setattr(target, name, value)
        if (target.collector, target.url) != earlier_source:
            target.cursor = ""  # where another collection left off means nothing here
        if secret is not None:
            target.set_secret(secret)
        _clean_feed(target)
        target.save()
    return target


def check_collect_soon(user: Any, feed: Feed) -> None:
    """ "Collect now": the feed is made due, and the beat's next round (within a minute) collects
    it in a worker, not in the web request (a mailbox or a TAXII server may take a while)."""
    require(user, "feed.change")
    if feed.collector not in SCHEDULED_COLLECTORS:
        raise ValidationError(_("Only HTTP, IMAP and TAXII feeds are collected on a schedule."))
    if not feed.is_active:
        raise ValidationError({"feed": _("This feed is switched off.")})
    Feed.objects.filter(pk=feed.pk).update(last_fetched_at=None)
