"""File one e-mail as an incident report: the sender matched, the message and attachments kept.

The whole message is stored as evidence (``original.eml``) next to the report, so whatever the
parser made of it, the CERT has what was sent. Each attachment becomes evidence too; one the
evidence checks refuse (an archive bomb, a path-traversal name) is kept *sealed* — flagged, never
unpacked — and one that cannot be kept at all (too large, empty) is listed on the report with
the reason, and is still inside ``original.eml``.

The sender is matched by address, first to a user (who becomes the reporter), then to a
constituent's contact. An e-mail's From is not proof of identity: the match decides who sees the
report and who gets the acknowledgement (which a real owner of the address would notice), never
what anyone may do.

Taking in is idempotent by the message's SHA-256: a message filed before (a collector that died
before letting it go) answers with the tracking id it already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.constituents.models import Contact
from siaga.evidence.actions import do_add_evidence_from_bytes
from siaga.incidents.actions.reports import do_submit_report
from siaga.incidents.choices import Channel
from siaga.incidents.models import Report
from siaga.integrations.mailintake.parser import Attachment, ParsedMail, parse_mail
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

MB = 1024 * 1024
MAX_TITLE = 200


@dataclass(frozen=True)
class Sender:
    user: User | None
    organization: Organization | None
    language: str
    matched_by: str  # "user", "contact" or ""


def max_message_bytes() -> int:
    return settings.SIAGA_MAIL_MAX_MB * MB


def take_in_mail(raw: bytes, source: str) -> str:
    """File the message (or find it filed before); returns the report's tracking id."""
    parsed = parse_mail(raw, max_bytes=max_message_bytes())
    earlier = already_filed(parsed.sha256)
    if earlier is not None:
        return earlier.tracking_id
    sender = match_sender(parsed.sender_email)
    with transaction.atomic():
        report = do_submit_report(
            report_fields(parsed, sender),
            channel=Channel.EMAIL,
            raw={
                "email": parsed.summary(),
                "source": source,
                "sender_matched_by": sender.matched_by,
            },
            reporter=sender.user,
            organization=sender.organization,
            client_address=None,
        )
        keep_as_evidence(report, raw, parsed)
    return report.tracking_id


def already_filed(sha256: str) -> Report | None:
    return Report.objects.filter(channel=Channel.EMAIL, raw__email__sha256=sha256).first()


def match_sender(address: str) -> Sender:
    if not address:
        return Sender(None, None, "", "")
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is not None:
        return Sender(user, _only_constituent_of(user), user.language, "user")
    contact = (
        Contact.objects.filter(email__iexact=address, is_active=True, organization__is_active=True)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if contact is not None:
        return Sender(None, contact.organization, contact.language, "contact")
    return Sender(None, None, "", "")


def _only_constituent_of(user: User) -> Organization | None:
    organizations = list(
        Organization.objects.filter(
            memberships__user=user, kind=OrganizationKind.CONSTITUENT, is_active=True
        )[:2]
    )
    return organizations[0] if len(organizations) == 1 else None


def report_fields(parsed: ParsedMail, sender: Sender) -> dict[str, Any]:
    language = parsed.language_hint or sender.language or settings.LANGUAGE_CODE
    return {
        "title": (parsed.subject or _("(e-mail without a subject)"))[:MAX_TITLE],
        "description": parsed.body or _("(the e-mail has no text; see the attached message)"),
        "reporter_name": parsed.sender_name or (sender.user.full_name if sender.user else ""),
        "reporter_email": _storable_email(parsed.sender_email),
        "language": language if language in ("id", "en") else settings.LANGUAGE_CODE,
    }


def _storable_email(address: str) -> str:
    from django.core.validators import validate_email

    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def keep_as_evidence(report: Report, raw: bytes, parsed: ParsedMail) -> None:
    do_add_evidence_from_bytes(
        raw,
        name="original.eml",
        declared_type="message/rfc822",
        report=report,
        description=_("The e-mail as received"),
        sealed=True,  # it may carry anything; it is kept whole, never unpacked
    )
    skipped = [
        problem
        for attachment in parsed.attachments
        if (problem := _keep_attachment(report, attachment))
    ]
    if skipped:
        report.raw = {**report.raw, "attachments_not_kept": skipped}
        report.save(update_fields=["raw", "updated_at"])


def _keep_attachment(report: Report, attachment: Attachment) -> dict[str, str] | None:
    """Store one attachment; returns why it could not be kept, or None."""
    for sealed in (False, True):
        try:
            with transaction.atomic():
                do_add_evidence_from_bytes(
                    attachment.content,
                    name=attachment.filename,
                    declared_type=attachment.content_type,
                    report=report,
                    description=_("Attachment of the e-mail"),
                    sealed=sealed,
                )
            return None
        except ValidationError as exc:
            reason = "; ".join(exc.messages)
    return {"filename": attachment.filename, "reason": reason}
