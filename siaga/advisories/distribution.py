"""Who receives a published advisory, and telling them.

Recipients are the union of three sets (``recipients_for``), each constituent once with the
strongest reason (``RecipientReason``):

1. ``target_inventory``: constituents whose system inventory runs an affected product
   (``siaga.exposures.matching.organizations_running``); the matching systems are kept on the row;
2. the criteria: every constituent (``target_all``), or those of the chosen kinds
   (``Organization.constituent_type``), provinces (``ConstituentProfile.province``) and, with
   ``target_vital_only``, vital-infrastructure ones (the chosen criteria all apply);
3. the constituents named (``target_organizations``).

TLP decides how far it may go: a TLP:CLEAR or GREEN advisory goes to the three sets; a TLP:AMBER
or AMBER+STRICT one only to the constituents named (the CERT chose them: the inventory and the
criteria are not a choice of recipients); TLP:RED is refused before it gets here (``actions``).

``do_distribute`` runs inside the publishing transaction: it writes the ``AdvisoryRecipient`` rows
and hands the e-mails (to each constituent's contacts who asked for advisories, in the contact's
language) and the signed webhooks to the notifications app, which sends them once the transaction
commits. A new recipient gets "published"; on an update every recipient gets "updated"; a
withdrawal tells every recipient (``do_notify_withdrawal``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from siaga.advisories.choices import AdvisoryKind, RecipientReason
from siaga.advisories.models import Advisory, AdvisoryRecipient, AdvisoryRevision
from siaga.constituents.choices import NotificationKind
from siaga.constituents.models import Contact
from siaga.notifications.actions import do_notify, do_notify_webhooks
from siaga.notifications.events import register_event
from siaga.notifications.models import Delivery
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP

OBJECT_TYPE = "advisories.advisory"
PUBLISHED = "advisory_published"
UPDATED = "advisory_updated"
WITHDRAWN = "advisory_withdrawn"
REMINDER = "advisory_reminder"
NEED_HELP = "advisory_need_help"
RETURNED = "advisory_returned"
# Sent to constituents' contacts (no user switch) or to CERT staff (users may turn them off).
CONTACT_EVENTS = {
    PUBLISHED: gettext_lazy("Advisory published"),
    UPDATED: gettext_lazy("Advisory updated"),
    WITHDRAWN: gettext_lazy("Advisory withdrawn"),
    REMINDER: gettext_lazy("Advisory reminder"),
}
STAFF_EVENTS = {
    NEED_HELP: gettext_lazy("A constituent needs help with an advisory"),
    RETURNED: gettext_lazy("Advisory returned to draft"),
}
# The TLP labels an advisory may carry, and those that go only to the constituents named.
BROAD_TLPS = frozenset({TLP.CLEAR, TLP.GREEN})
NAMED_ONLY_TLPS = frozenset({TLP.AMBER, TLP.AMBER_STRICT})
# The strongest reason first: running an affected product says most about the constituent.
STRENGTH = (RecipientReason.INVENTORY, RecipientReason.NAMED, RecipientReason.CRITERIA)
MATCHED_ITEMS_MAX = 200  # systems kept per recipient (the page lists them)


def register_notifications() -> None:
    """The advisories' notification kinds (idempotent: registering again replaces)."""
    for kind, label in CONTACT_EVENTS.items():
        register_event(
            kind,
            label,
            f"advisories/email/{kind}_subject.txt",
            f"advisories/email/{kind}.txt",
            user_preference=False,
        )
    for kind, label in STAFF_EVENTS.items():
        register_event(
            kind, label, f"advisories/email/{kind}_subject.txt", f"advisories/email/{kind}.txt"
        )


# Registered on import as well as from the app's ready(): the tasks and pages import this module.
register_notifications()


# --- Who receives it -----------------------------------------------------------------------------


@dataclass
class Planned:
    """One constituent an advisory is going to, and why."""

    organization: Organization
    reason: str
    matched_items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        return str(RecipientReason(self.reason).label)


def _stronger(first: str, second: str) -> str:
    return first if STRENGTH.index(first) <= STRENGTH.index(second) else second


def constituents() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.CONSTITUENT, is_active=True)


def uses_criteria(advisory: Advisory) -> bool:
    return bool(
        advisory.target_all
        or advisory.target_constituent_types
        or advisory.target_provinces
        or advisory.target_vital_only
    )


def by_criteria(advisory: Advisory) -> QuerySet[Organization]:
    """The constituents the criteria choose (none when no criterion is set)."""
    if not uses_criteria(advisory):
        return constituents().none()
    chosen = constituents()
    if advisory.target_all:
        return chosen
    if advisory.target_constituent_types:
        chosen = chosen.filter(constituent_type__in=list(advisory.target_constituent_types))
    if advisory.target_provinces:
        chosen = chosen.filter(profile__province__in=list(advisory.target_provinces))
    if advisory.target_vital_only:
        chosen = chosen.filter(profile__is_vital_infrastructure=True)
    return chosen


def _item_label(item: Any) -> str:
    parts = [item.vendor, item.product or item.name, item.version]
    return " ".join(str(part) for part in parts if part) or str(item)


def by_inventory(advisory: Advisory) -> dict[int, list[dict[str, Any]]]:
    """Constituent id → the systems of its inventory that run an affected product."""
    products = list(advisory.products.all())
    if not products:
        return {}
    from siaga.exposures.matching import organizations_running

    running = organizations_running(products)
    active = set(constituents().filter(pk__in=list(running)).values_list("pk", flat=True))
    return {
        org_id: [{"id": item.pk, "label": _item_label(item)} for item in items[:MATCHED_ITEMS_MAX]]
        for org_id, items in running.items()
        if org_id in active
    }


def recipients_for(advisory: Advisory) -> dict[int, Planned]:
    """Constituent id → who gets the advisory and why (see the module's docstring)."""
    planned: dict[int, Planned] = {}

    def add(organization: Organization, reason: str, items: Iterable[dict[str, Any]] = ()) -> None:
        known = planned.get(organization.pk)
        if known is None:
            planned[organization.pk] = Planned(organization, reason, list(items))
            return
        known.reason = _stronger(known.reason, reason)
        if items:
            known.matched_items = list(items)

    if advisory.tlp in BROAD_TLPS:
        if advisory.target_inventory:
            matched = by_inventory(advisory)
            for organization in constituents().filter(pk__in=list(matched)):
                add(organization, RecipientReason.INVENTORY, matched[organization.pk])
        for organization in by_criteria(advisory):
            add(organization, RecipientReason.CRITERIA)
    if advisory.tlp in BROAD_TLPS | NAMED_ONLY_TLPS:
        for organization in advisory.target_organizations.filter(
            kind=OrganizationKind.CONSTITUENT, is_active=True
        ):
            add(organization, RecipientReason.NAMED)
    return dict(sorted(planned.items(), key=lambda pair: pair[1].organization.name))


# --- Telling them --------------------------------------------------------------------------------


def _absolute(name: str, *args: Any) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    except NoReverseMatch:
        return ""


def contacts_of(organization_id: int, kind: str = AdvisoryKind.ADVISORY) -> list[Contact]:
    """The organization's active contacts with an address who asked for advisories (and, for an
    alert, those who asked for alerts)."""
    wanted = [NotificationKind.ADVISORIES.value]
    if kind == AdvisoryKind.ALERT:
        wanted.append(NotificationKind.ALERTS.value)
    contacts = Contact.objects.filter(organization_id=organization_id, is_active=True).exclude(
        email=""
    )
    return [
        contact
        for contact in contacts.order_by("pk")
        if set(contact.notification_kinds or []) & set(wanted)
    ]


def latest_revision(advisory: Advisory) -> AdvisoryRevision | None:
    """The last published revision (from ``with_revisions``' prefetch when the list has one)."""
    prefetched = getattr(advisory, "revisions_newest_first", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return advisory.revisions.order_by("-version").first()


def with_revisions(advisories: QuerySet[Advisory]) -> QuerySet[Advisory]:
    """Lists that show readers the published titles read every revision in one more query."""
    return advisories.prefetch_related(
        Prefetch(
            "revisions",
            queryset=AdvisoryRevision.objects.order_by("advisory_id", "-version"),
            to_attr="revisions_newest_first",
        )
    )


def revision_texts(content: dict[str, Any], language: str) -> dict[str, str]:
    """A revision's texts in ``language``, each falling back to the other language when empty."""
    texts = content.get("texts") or {}
    mine = texts.get(language) or {}
    other = texts.get("en" if language == "id" else "id") or {}
    names = set(mine) | set(other)
    return {name: str(mine.get(name) or other.get(name) or "") for name in names}


def email_context(
    advisory: Advisory, content: dict[str, Any], language: str, **extra: Any
) -> dict[str, Any]:
    texts = revision_texts(content, language)
    return {
        "reference": advisory.tracking_id,
        "title": texts.get("title", ""),
        "summary": texts.get("summary", ""),
        "remediation": texts.get("remediation", ""),
        "version": content.get("version", advisory.version),
        "tlp": TLP(advisory.tlp).label,
        "severity": advisory.get_severity_display(),
        "url": _absolute("advisories:detail", advisory.pk),
        **extra,
    }


def webhook_payload(advisory: Advisory, event: str, recipient: AdvisoryRecipient) -> dict[str, Any]:
    revision = latest_revision(advisory)
    content = revision.content if revision else {}
    return {
        "event": event,
        "tracking_id": advisory.tracking_id,
        "uuid": str(advisory.uuid),
        "version": advisory.version,
        "tlp": advisory.tlp,
        "kind": advisory.kind,
        "severity": advisory.severity,
        "titles": {
            lang: (content.get("texts") or {}).get(lang, {}).get("title", "")
            for lang in ("id", "en")
        },
        "cves": [cve.get("cve_id") for cve in content.get("cves") or []],
        "reason": recipient.reason,
        "matched_items": recipient.matched_items,
        "url": _absolute("advisories:detail", advisory.pk),
        "withdrawn_reason": advisory.withdrawn_reason if event == WITHDRAWN else "",
    }


def notify_recipient(
    advisory: Advisory, recipient: AdvisoryRecipient, event: str, **extra: Any
) -> list[Delivery]:
    """E-mail the recipient's contacts (each in their language) and, unless the advisory is
    TLP:AMBER+STRICT (which is never pushed to a system outside Siaga), its webhooks."""
    revision = latest_revision(advisory)
    content = revision.content if revision else {}
    deliveries: list[Delivery] = []
    matched = ", ".join(item.get("label", "") for item in recipient.matched_items or [])
    for contact in contacts_of(recipient.organization_id, advisory.kind):
        context = email_context(
            advisory,
            content,
            contact.language,
            organization=recipient.organization.name,
            matched=matched,
            withdrawn_reason=advisory.withdrawn_reason,
            **extra,
        )
        deliveries += do_notify(
            event,
            recipients=[contact],
            context=context,
            object_type=OBJECT_TYPE,
            object_id=str(advisory.pk),
            organization=recipient.organization,
        )
    if advisory.tlp != TLP.AMBER_STRICT and event != REMINDER:
        deliveries += do_notify_webhooks(
            event,
            recipient.organization,
            webhook_payload(advisory, event, recipient),
            OBJECT_TYPE,
            str(advisory.pk),
        )
    return deliveries


def do_distribute(advisory: Advisory, *, now: datetime | None = None) -> list[AdvisoryRecipient]:
    """Write the recipients of the revision just published and notify them (after commit).

    Call inside the publishing transaction, with ``advisory.version`` the new revision's number
    and its ``AdvisoryRevision`` stored. Rows of earlier versions stay (a constituent told once
    keeps the advisory and its answer); their reason and matched systems follow the new revision.
    """
    now = now or timezone.now()
    update = advisory.version > 1
    planned = recipients_for(advisory)
    existing = {
        row.organization_id: row for row in advisory.recipients.select_related("organization")
    }
    touched: list[AdvisoryRecipient] = []
    for org_id, plan in planned.items():
        row = existing.get(org_id)
        if row is None:
            row = AdvisoryRecipient(
                advisory=advisory,
                organization=plan.organization,
                reason=plan.reason,
                matched_items=plan.matched_items,
            )
        else:
            row.reason = plan.reason
            row.matched_items = plan.matched_items or row.matched_items
        row.notified_version = advisory.version
        row.notified_at = now
        row.save()
        touched.append(row)
        notify_recipient(advisory, row, UPDATED if update and org_id in existing else PUBLISHED)
    if update:
        # Constituents told of an earlier version and no longer chosen hear of the update too.
        for org_id, row in existing.items():
            if org_id in planned:
                continue
            row.notified_version = advisory.version
            row.notified_at = now
            row.save(update_fields=["notified_version", "notified_at", "updated_at"])
            notify_recipient(advisory, row, UPDATED)
            touched.append(row)
    return touched


def do_notify_withdrawal(advisory: Advisory) -> int:
    """Tell every recipient the advisory is withdrawn, and why (after commit)."""
    rows = list(advisory.recipients.select_related("organization"))
    for row in rows:
        notify_recipient(advisory, row, WITHDRAWN)
    return len(rows)
