"""Drafts of the notices the legal clocks demand, in Bahasa Indonesia and English.

A draft is plain text the CERT and the constituent review and complete before sending; it carries
every element the regulation names as minimum content, filled from the incident, and marks what
is still missing instead of leaving it out (a missing element makes a notice incomplete in law).

- Personal-data breach notice (UU 27/2022 Art. 46): which personal data were exposed; when and
  how; handling and recovery efforts; plus who to contact.
- Vital-infrastructure report (BSSN Reg. 1/2024 Art. 15): reporter contact, description,
  chronology, impact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.incidents.legal_clocks import ClockKind, Recipient, deadline, recipients

TEMPLATES = {
    ClockKind.PDP_NOTICE: "incidents/notices/pdp_notice.txt",
    ClockKind.IIV_REPORT: "incidents/notices/iiv_report.txt",
}


@dataclass(frozen=True)
class NoticeContact:
    name: str
    role: str
    email: str
    phone: str


@dataclass
class NoticeFacts:
    """What a notice says, gathered from the incident by ``siaga.incidents.actions.clocks``."""

    reference: str
    title: str
    description: str
    organization: str
    discovered_at: datetime
    personal_data_description: str = ""
    handling_actions: str = ""
    impact: list[tuple[str, str]] = field(default_factory=list)  # (dimension, level)
    chronology: list[tuple[datetime, str]] = field(default_factory=list)
    contact: NoticeContact | None = None


@dataclass(frozen=True)
class NoticeDraft:
    kind: ClockKind
    language: str
    subject: str
    body: str
    recipients: list[Recipient]
    missing: list[str]


def missing_elements(kind: ClockKind, facts: NoticeFacts) -> list[str]:
    """The minimum contents the draft cannot fill from the incident yet (translated labels)."""
    by_kind: dict[ClockKind, list[tuple[object, str]]] = {
        ClockKind.PDP_NOTICE: [
            (facts.personal_data_description, _("which personal data were exposed")),
            (facts.description, _("when and how the data were exposed")),
            (facts.handling_actions, _("the handling and recovery efforts")),
        ],
        ClockKind.IIV_REPORT: [
            (facts.contact, _("the reporter's contact")),
            (facts.description, _("a description of the incident")),
            (facts.chronology, _("the chronology")),
            (facts.impact, _("the impact")),
        ],
    }
    return [label for value, label in by_kind[kind] if not value]


def render_notice(kind: ClockKind, facts: NoticeFacts, language: str, tz: str) -> NoticeDraft:
    with translation.override(language), timezone.override(tz):
        missing = missing_elements(kind, facts)
        context = {
            "facts": facts,
            "due": deadline(kind, facts.discovered_at),
            "recipients": recipients(kind),
            "missing": missing,
            "legal_basis": kind.legal_basis,
            "tz": tz,
        }
        body = render_to_string(TEMPLATES[kind], context).strip() + "\n"
        subject = _subject(kind, facts)
        return NoticeDraft(kind, language, subject, body, recipients(kind), missing)


def _subject(kind: ClockKind, facts: NoticeFacts) -> str:
    if kind == ClockKind.PDP_NOTICE:
        text = _("Notice of a personal data protection failure: %(organization)s (%(reference)s)")
    else:
        text = _(
            "Incident report of vital information infrastructure: %(organization)s (%(reference)s)"
        )
    return text % {"organization": facts.organization, "reference": facts.reference}
