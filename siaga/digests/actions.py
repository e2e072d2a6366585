"""Building and sending feed digests, and managing subscriptions.

A run (``do_run_due_digests``, from the beat task or the ``digests.send`` job) takes each due
subscription under a row lock, so two overlapping runs never send the same period twice, and:

1. looks at the organization's events observed since it last looked (``window_start``), filtered by
   the subscription's classification types and least severity, leaving out every event whose
   ``dedupe_key`` went to the organization in a digest within ``SIAGA_DIGEST_SUPPRESS_DAYS``;
2. counts them per classification with one ``GROUP BY`` (the events table holds millions of rows:
   nothing is read row by row to count) and, when there is anything, writes a ``Digest`` with a
   gapless ticket number and one ``DigestItem`` per event (read ``ITEM_BATCH`` ids at a time);
3. hands the digest to the notifications app: an e-mail to the contact, in the contact's language,
   with the CSV attached when it is sent; or a signed JSON webhook to the organization's webhooks
   subscribed to ``feed_digest``. Deliveries go out once the transaction commits.

Event rows themselves are read only for the CSV and the webhook, ``ROW_BATCH`` at a time.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.constituents.models import Contact
from siaga.digests import wording
from siaga.digests.advice import advice_for
from siaga.digests.choices import PERIODS, DigestFormat, DigestStatus, Frequency
from siaga.digests.models import Digest, DigestItem, DigestSubscription
from siaga.events.export import COLUMNS as EVENT_COLUMNS
from siaga.events.export import intelmq_fields
from siaga.events.models import Event
from siaga.feeds import details
from siaga.incidents.models.sequences import next_number, tracking_year
from siaga.notifications import transport
from siaga.notifications.actions import do_notify, do_notify_webhooks
from siaga.notifications.events import register_event
from siaga.notifications.models import Delivery
from siaga.organizations.models import Organization

logger = logging.getLogger("siaga.digests")

EVENT_KIND = "feed_digest"
OBJECT_TYPE = "digests.digest"
TICKET_KIND = "feed_digest"  # its own gapless counter per year (siaga.incidents sequences)
ITEM_BATCH = 5000  # digest items written per INSERT
ROW_BATCH = 2000  # event rows read per query for the CSV and the webhook
# A beat that runs every few minutes must not push a daily digest a run later every day.
DUE_TOLERANCE = timedelta(minutes=10)
DEFAULT_SUPPRESS_DAYS = 7
DEFAULT_WEBHOOK_MAX_EVENTS = 5000
SUBSCRIPTION_FIELDS = (
    "contact",
    "frequency",
    "classification_types",
    "min_severity",
    "format",
    "is_active",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); the
# same rule as the audit trail's CSV export.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The CSV's columns: (header, event column).
CSV_COLUMNS = [
    ("time.observation", "time_observation"),
    ("classification.type", "classification_type"),
    ("classification.identifier", "classification_identifier"),
    ("source.ip", "source_ip"),
    ("source.port", "source_port"),
    ("source.fqdn", "source_fqdn"),
    ("source.asn", "source_asn"),
    ("source.geolocation.cc", "source_geolocation_cc"),
    ("count", "count"),
    ("last_seen", "last_seen"),
]
# The report's other columns worth a constituent's attention, per report family (a substring of
# the classification identifier); the CSV has the columns of the families it contains.
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "": ("tag",),  # every family
    "rdp": ("rdp_protocol", "product"),
    "smb": ("smb_version", "smbv1_support", "os"),
    "telnet": ("banner",),
    "dns": ("version", "min_amplification"),
    "resolver": ("version", "min_amplification"),
    "ntp": ("version", "response_size"),
    "memcached": ("version",),
    "elasticsearch": ("version", "name"),
    "mongodb": ("version",),
    "http": ("http_code", "server", "version"),
    "infected": ("infection", "malware_family"),
    "botnet": ("infection", "malware_family"),
}


# --- Settings ------------------------------------------------------------------------------------


def suppress_days() -> int:
    return int(getattr(settings, "SIAGA_DIGEST_SUPPRESS_DAYS", DEFAULT_SUPPRESS_DAYS))


def webhook_max_events() -> int:
    return int(getattr(settings, "SIAGA_DIGEST_WEBHOOK_MAX_EVENTS", DEFAULT_WEBHOOK_MAX_EVENTS))


# --- Tickets -------------------------------------------------------------------------------------


def format_ticket(year: int, number: int) -> str:
    return f"{settings.SIAGA_TRACKING_PREFIX}-FD-{year}-{number:06d}"


def allocate_ticket(moment: datetime) -> str:
    """The next ticket of the year (in Jakarta time); call inside the creating transaction, so a
    digest that rolls back takes its number back and the sequence stays gapless."""
    year = tracking_year(moment)
    return format_ticket(year, next_number(TICKET_KIND, year))


# --- Which subscriptions are due -----------------------------------------------------------------


def period_of(subscription: DigestSubscription) -> timedelta:
    return PERIODS.get(subscription.frequency, PERIODS[Frequency.DAILY])


def _due_q(now: datetime) -> Q:
    due = Q(last_checked_at__isnull=True)
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency, last_checked_at__lte=now - period + DUE_TOLERANCE)
    return due


def due_subscriptions(now: datetime) -> QuerySet[DigestSubscription]:
    """Active subscriptions (daily or weekly) whose period has passed since they last looked, of
    active organizations, with an active contact for e-mail ones."""
    return (
        DigestSubscription.objects.filter(
            _due_q(now),
            is_active=True,
            frequency__in=list(PERIODS),
            organization__is_active=True,
        )
        .filter(Q(format=DigestFormat.WEBHOOK_JSON) | Q(contact__is_active=True))
        .order_by("pk")
    )


def is_due(subscription: DigestSubscription, now: datetime) -> bool:
    return due_subscriptions(now).filter(pk=subscription.pk).exists()


# --- What a digest holds -------------------------------------------------------------------------


def window_start(subscription: DigestSubscription, now: datetime) -> datetime:
    """Where the next digest's period starts: where the last look ended (whether it found
    anything or not, so each event is weighed once), else one period back."""
    return (
        subscription.last_checked_at or subscription.last_sent_at or now - period_of(subscription)
    )


def suppressed_keys(organization_id: int, now: datetime) -> QuerySet:
    """The dedupe keys sent to the organization within the suppression days (a subquery)."""
    since = now - timedelta(days=suppress_days())
    return DigestItem.objects.filter(
        digest__organization_id=organization_id, digest__period_end__gt=since
    ).values("dedupe_key")


def digest_events(
    subscription: DigestSubscription, start: datetime, end: datetime
) -> QuerySet[Event]:
    """The organization's events observed in (start, end] that the subscription asks for, that
    are not on a warninglist (known-benign values stay out of alerting) and that were not sent
    within the suppression days; unordered (callers order or aggregate)."""
    events = Event.objects.filter(
        constituent_id=subscription.organization_id,
        time_observation__gt=start,
        time_observation__lte=end,
        severity__gte=subscription.min_severity,
        warninglisted=False,
    )
    if subscription.classification_types:
        events = events.filter(classification_type__in=subscription.classification_types)
    return events.exclude(
        dedupe_key__in=suppressed_keys(subscription.organization_id, end)
    ).order_by()


def summarize(events: QuerySet[Event]) -> list[dict[str, Any]]:
    """Counts per classification, largest first: one GROUP BY in the database."""
    rows = events.values(
        "classification_taxonomy", "classification_type", "classification_identifier"
    ).annotate(events=Count("pk"), seen=Sum("count"), severity=Max("severity"))
    summary = [
        {
            "taxonomy": row["classification_taxonomy"],
            "type": row["classification_type"],
            "identifier": row["classification_identifier"],
            "events": row["events"],
            "seen": row["seen"] or 0,
            "severity": row["severity"],
        }
        for row in rows
    ]
    return sorted(summary, key=lambda row: (-row["events"], row["type"], row["identifier"]))


def _store_items(digest: Digest, events: QuerySet[Event]) -> None:
    pairs = events.values_list("pk", "dedupe_key").iterator(chunk_size=ITEM_BATCH)
    for batch in itertools.batched(pairs, ITEM_BATCH):
        DigestItem.objects.bulk_create(
            DigestItem(digest=digest, event_id=pk, dedupe_key=key) for pk, key in batch
        )


def _build_locked(subscription: DigestSubscription, now: datetime) -> Digest | None:
    start = window_start(subscription, now)
    events = digest_events(subscription, start, now)
    summary = summarize(events)
    changes: dict[str, Any] = {"last_checked_at": now}
    digest = None
    if summary:
        digest = Digest.objects.create(
            organization_id=subscription.organization_id,
            subscription=subscription,
            ticket=allocate_ticket(now),
            period_start=start,
            period_end=now,
            event_count=sum(row["events"] for row in summary),
            summary=summary,
        )
        _store_items(digest, events)
        changes["last_sent_at"] = now
    DigestSubscription.objects.filter(pk=subscription.pk).update(**changes)
    for name, value in changes.items():
        setattr(subscription, name, value)
    return digest


def build_digest(subscription: DigestSubscription, now: datetime) -> Digest | None:
    """The digest of what is new for the subscription up to ``now``, stored with its items; None
    when there is nothing to say (no empty e-mails). Either way the subscription records that it
    looked."""
    with transaction.atomic():
        locked = DigestSubscription.objects.select_for_update().get(pk=subscription.pk)
        digest = _build_locked(locked, now)
    subscription.last_checked_at = locked.last_checked_at
    subscription.last_sent_at = locked.last_sent_at
    return digest


# --- Event rows: the CSV and the webhook ---------------------------------------------------------

_ROW_COLUMNS = [column for _header, column in CSV_COLUMNS]
_LOCATION = ("id", "report_id", "report_offset", "extra")


def digest_rows(digest: Digest, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """The digest's events as dicts of table columns (``extra`` read back from the report when
    the event did not store it), in the order they were stored, ``ROW_BATCH`` at a time."""
    wanted = sorted(set(columns or _ROW_COLUMNS) | set(_LOCATION))
    ids = digest.items.order_by("event_id").values_list("event_id", flat=True)
    for batch in itertools.batched(ids.iterator(chunk_size=ROW_BATCH), ROW_BATCH):
        rows = list(Event.objects.filter(pk__in=batch).order_by("pk").values(*wanted))
        read_back = details.extras_for(
            Event(pk=row["id"], report_id=row["report_id"], report_offset=row["report_offset"])
            for row in rows
            if row["extra"] is None and row["report_offset"] is not None
        )
        for row in rows:
            if row["id"] in read_back:
                row["extra"] = read_back[row["id"]]
            yield row


def extra_columns(summary: list[dict[str, Any]]) -> list[str]:
    """The extra keys the CSV shows for the families in the digest, in a fixed order."""
    keys: list[str] = []
    for row in summary:
        identifier = f"{row.get('identifier') or ''} {row.get('type') or ''}".lower()
        for family, family_keys in EXTRA_COLUMNS.items():
            if family in identifier:
                keys.extend(key for key in family_keys if key not in keys)
    return keys


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_header(summary: list[dict[str, Any]]) -> list[str]:
    return [header for header, _column in CSV_COLUMNS] + [
        f"extra.{key}" for key in extra_columns(summary)
    ]


def csv_row(row: dict[str, Any], keys: list[str]) -> list[Any]:
    value = row.get("extra")
    extra: dict[str, Any] = value if isinstance(value, dict) else {}
    return [neutralise(row.get(column)) for _header, column in CSV_COLUMNS] + [
        neutralise(_cell(extra.get(key))) for key in keys
    ]


def _cell(value: Any) -> Any:
    # A list or a nested object from a JSON report is one cell of text.
    if isinstance(value, list | dict):
        return str(value)
    return value


def digest_csv_lines(digest: Digest) -> Iterator[str]:
    """The digest's CSV, one line at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    keys = extra_columns(digest.summary)
    writer.writerow(csv_header(digest.summary))
    for row in digest_rows(digest):
        writer.writerow(csv_row(row, keys))
        yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def digest_csv(digest: Digest) -> bytes:
    """The whole CSV, UTF-8 with a byte-order mark (so spreadsheets read the accents right)."""
    return ("\ufeff" + "".join(digest_csv_lines(digest))).encode()


def csv_filename(digest: Digest) -> str:
    return f"{digest.ticket}.csv"


def _digest_attachment(delivery: Delivery) -> list[transport.Attachment]:
    if not delivery.object_id.isdigit():
        return []
    digest = Digest.objects.filter(pk=int(delivery.object_id)).first()
    if digest is None:
        return []
    return [(csv_filename(digest), digest_csv(digest), "text/csv")]


# --- Sending -------------------------------------------------------------------------------------


def register_notifications() -> None:
    """The ``feed_digest`` kind (for e-mail and webhooks) and the e-mail's CSV attachment."""
    from django.utils.translation import gettext_lazy

    register_event(
        EVENT_KIND,
        gettext_lazy("Feed digest"),
        "digests/email/feed_digest_subject.txt",
        "digests/email/feed_digest.txt",
        user_preference=False,  # sent to contacts, not users: no switch on the preferences page
    )
    transport.register_attachments(OBJECT_TYPE, _digest_attachment)


def detail_url(digest: Digest) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse("digests:detail", args=[digest.pk])
    except NoReverseMatch:  # the pages are not mounted (an installation without them)
        return ""


def summary_with_advice(digest: Digest, language: str) -> list[dict[str, Any]]:
    """The digest's summary rows, each with the advice for its kind in ``language``."""
    rows = []
    for row in digest.summary:
        advice = advice_for(row["type"], row["identifier"], language, row["taxonomy"])
        rows.append({**row, **advice._asdict()})
    return rows


def email_context(digest: Digest, contact: Contact) -> dict[str, Any]:
    language = contact.language
    texts = wording.email_texts(language)
    organization = digest.organization.name
    ticket = digest.ticket
    stamp = "%Y-%m-%d %H:%M"
    return {
        "reference": ticket,
        "texts": {**texts, "greeting": texts["greeting"].format(name=contact.name)},
        "subject": texts["subject"].format(organization=organization),
        "intro": texts["intro"].format(
            organization=organization,
            start=digest.period_start.astimezone(UTC).strftime(stamp),
            end=digest.period_end.astimezone(UTC).strftime(stamp),
        ),
        "reply": texts["reply"].format(ticket=ticket),
        "rows": summary_with_advice(digest, language),
        "url": detail_url(digest),
    }


def webhook_payload(digest: Digest) -> dict[str, Any]:
    """Ticket, period, counts per classification and the events as IntelMQ field dicts (at most
    ``SIAGA_DIGEST_WEBHOOK_MAX_EVENTS``; the rest is in the CSV, ``GET /digests/{id}/csv``)."""
    limit = webhook_max_events()
    rows = digest_rows(digest, EVENT_COLUMNS)
    events = [intelmq_fields(row) for row in itertools.islice(rows, limit)]
    return {
        "ticket": digest.ticket,
        "organization": {"id": digest.organization_id, "name": digest.organization.name},
        "period": {"start": digest.period_start, "end": digest.period_end},
        "event_count": digest.event_count,
        "classifications": [
            {key: row[key] for key in ("taxonomy", "type", "identifier", "events", "seen")}
            for row in digest.summary
        ],
        "events": events,
        "events_truncated": digest.event_count > len(events),
    }


def send_digest(digest: Digest) -> list[Delivery]:
    """Hand the digest to the notifications app (sent once the caller's transaction commits) and
    record the deliveries on it."""
    subscription = digest.subscription
    if subscription is None:
        deliveries: list[Delivery] = []
    elif subscription.format == DigestFormat.WEBHOOK_JSON:
        deliveries = do_notify_webhooks(
            EVENT_KIND, digest.organization, webhook_payload(digest), OBJECT_TYPE, str(digest.pk)
        )
    else:
        deliveries = _email(digest, subscription.contact)
    digest.delivery_ids = [delivery.pk for delivery in deliveries]
    digest.status = DigestStatus.QUEUED if deliveries else DigestStatus.NO_RECIPIENT
    digest.save(update_fields=["delivery_ids", "status"])
    return deliveries


def _email(digest: Digest, contact: Contact | None) -> list[Delivery]:
    if contact is None or not contact.is_active or not contact.email:
        return []
    return do_notify(
        EVENT_KIND,
        recipients=[contact],
        context=email_context(digest, contact),
        object_type=OBJECT_TYPE,
        object_id=str(digest.pk),
        organization=digest.organization,
    )


def _run_one(subscription_id: int, now: datetime) -> Digest | None:
    with transaction.atomic():
        locked = (
            # Only the subscription's row: its contact may be missing (an outer join, which
            # PostgreSQL will not lock).
            DigestSubscription.objects.select_for_update(of=("self",))
            .filter(pk=subscription_id)
            .select_related("organization", "contact")
            .first()
        )
        # Another run may have sent it since the list was read.
        if locked is None or not is_due(locked, now):
            return None
        digest = _build_locked(locked, now)
        if digest is not None:
            send_digest(digest)
        return digest


def do_run_due_digests(now: datetime | None = None) -> dict[str, Any]:
    """Build and send every due digest; one subscription's failure does not stop the others."""
    now = now or timezone.now()
    sent: list[str] = []
    failed = 0
    ids = list(due_subscriptions(now).values_list("pk", flat=True))
    for subscription_id in ids:
        try:
            digest = _run_one(subscription_id, now)
        except Exception:
            logger.exception("digest of subscription %s failed", subscription_id)
            failed += 1
            continue
        if digest is not None:
            sent.append(digest.ticket)
    return {"due": len(ids), "sent": len(sent), "tickets": sent, "failed": failed}


# --- Access --------------------------------------------------------------------------------------


def visible_digests(user: Any) -> QuerySet[Digest]:
    return Digest.objects.restrict(user, "view").select_related("organization")


def access_digest(user: Any, pk: int) -> Digest:
    return get_object_or_404(visible_digests(user), pk=pk)


def delivery_statuses(digests: list[Digest]) -> dict[int, list[str]]:
    """Digest id → the statuses of its deliveries (one query for the page)."""
    wanted = {pk for digest in digests for pk in digest.delivery_ids or []}
    statuses = dict(Delivery.objects.filter(pk__in=wanted).values_list("pk", "status"))
    return {
        digest.pk: [statuses[pk] for pk in digest.delivery_ids or [] if pk in statuses]
        for digest in digests
    }


# --- Subscriptions -------------------------------------------------------------------------------


def visible_subscriptions(user: Any) -> QuerySet[DigestSubscription]:
    return DigestSubscription.objects.restrict(user, "view").select_related(
        "organization", "contact"
    )


def access_subscription(user: Any, pk: int, action: str = "view") -> DigestSubscription:
    return get_object_or_404(
        DigestSubscription.objects.restrict(user, action).select_related("organization", "contact"),
        pk=pk,
    )


def subscription_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations in which this user may add subscriptions."""
    grant = principal_for(user).scopes("digestsubscription.add")
    organizations = Organization.objects.filter(is_active=True).order_by("name")
    return organizations if grant.all else organizations.filter(pk__in=grant.org_ids)


def _subscription_data(data: dict[str, Any]) -> dict[str, Any]:
    refused = sorted(set(data) - set(SUBSCRIPTION_FIELDS))
    if refused:
        raise ValidationError({name: _("This field cannot be set.") for name in refused})
    return data


def _save_subscription(subscription: DigestSubscription) -> DigestSubscription:
    subscription.full_clean()
    subscription.save()
    return subscription


def check_create_subscription(
    user: Any, organization: Organization, data: dict[str, Any]
) -> DigestSubscription:
    if not principal_for(user).has_perm("digestsubscription.add", organization.pk):
        raise PermissionDenied(_("You may not add digest subscriptions to this organization."))
    subscription = DigestSubscription(organization=organization, **_subscription_data(data))
    with transaction.atomic():
        return _save_subscription(subscription)


def check_update_subscription(
    user: Any, subscription: DigestSubscription, data: dict[str, Any]
) -> DigestSubscription:
    if not DigestSubscription.objects.restrict(user, "change").filter(pk=subscription.pk).exists():
        raise PermissionDenied(_("You may not change this digest subscription."))
    changes = _subscription_data(data)
    with transaction.atomic():
        locked = DigestSubscription.objects.select_for_update().get(pk=subscription.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        return _save_subscription(locked)
