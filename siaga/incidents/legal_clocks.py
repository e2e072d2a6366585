"""Which legal clocks an incident starts, and when each runs out (facts in ../shared/DOMAIN.md §6).

- **Personal-data breach notice** (UU 27/2022 on Personal Data Protection, Art. 46): when personal
  data is involved, the controller gives written notice within 3 x 24 hours to the data subjects and
  to the data-protection authority. Minimum content: which personal data were exposed; when and
  how; the handling and recovery efforts. Health data is specific (sensitive) personal data.
- **Vital-infrastructure incident report** (Perpres 82/2022; BSSN Regulation 1/2024 Art. 15): an
  incident of at least high risk at vital information infrastructure (IIV) is reported to the
  sectoral CSIRT, with a copy to the national CSIRT, within 1 x 24 hours of discovery. Minimum
  content: reporter contact, description, chronology, impact.

Both clocks start at **discovery** (``detected_at``; when that is unknown, the time the CERT heard
of it, which is the conservative choice). Lengths, the warning lead time and the recipients come
from settings, because regulations change and the 1 x 24-hour rule was read from secondary copies.
"High risk" is priority P1 or P2 (``siaga.incidents.priority``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

HIGH_RISK_PRIORITIES = frozenset({"P1", "P2"})


class ClockKind(enum.StrEnum):
    PDP_NOTICE = "pdp_notice"
    IIV_REPORT = "iiv_report"

    @property
    def label(self) -> str:
        return str(CLOCK_LABELS[self])

    @property
    def legal_basis(self) -> str:
        return str(LEGAL_BASIS[self])


CLOCK_LABELS = {
    ClockKind.PDP_NOTICE: _("Personal-data breach notice (3 x 24 hours)"),
    ClockKind.IIV_REPORT: _("Vital-infrastructure incident report (1 x 24 hours)"),
}
LEGAL_BASIS = {
    ClockKind.PDP_NOTICE: _("Law 27/2022 on Personal Data Protection, Article 46"),
    ClockKind.IIV_REPORT: _("Presidential Regulation 82/2022; BSSN Regulation 1/2024, Article 15"),
}


@dataclass(frozen=True)
class Recipient:
    role: str  # data_subjects, pdp_authority, sectoral_csirt, national_csirt
    label: str
    email: str  # empty for the data subjects: the constituent reaches them itself
    copy: bool = False


def applicable_clocks(
    *, personal_data_involved: bool, vital_infrastructure: bool, priority: str
) -> list[ClockKind]:
    kinds = []
    if personal_data_involved:
        kinds.append(ClockKind.PDP_NOTICE)
    if vital_infrastructure and priority in HIGH_RISK_PRIORITIES:
        kinds.append(ClockKind.IIV_REPORT)
    return kinds


def clock_length(kind: ClockKind) -> timedelta:
    hours = (
        settings.SIAGA_PDP_NOTICE_HOURS
        if kind == ClockKind.PDP_NOTICE
        else settings.SIAGA_IIV_REPORT_HOURS
    )
    return timedelta(hours=hours)


def deadline(kind: ClockKind, started_at: datetime) -> datetime:
    return started_at + clock_length(kind)


def warning_at(kind: ClockKind, started_at: datetime) -> datetime:
    """When to warn: the configured lead time before the deadline, never before the start."""
    due = deadline(kind, started_at)
    return max(started_at, due - timedelta(hours=settings.SIAGA_CLOCK_WARNING_HOURS))


def recipients(kind: ClockKind) -> list[Recipient]:
    if kind == ClockKind.PDP_NOTICE:
        return [
            Recipient("data_subjects", str(_("The data subjects (patients) concerned")), ""),
            Recipient(
                "pdp_authority",
                str(_("The personal-data-protection authority")),
                settings.SIAGA_PDP_AUTHORITY_EMAIL,
            ),
        ]
    return [
        Recipient(
            "sectoral_csirt", str(_("The health sector CSIRT")), settings.SIAGA_SECTORAL_CSIRT_EMAIL
        ),
        Recipient(
            "national_csirt",
            str(_("The national CSIRT (copy)")),
            settings.SIAGA_NATIONAL_CSIRT_EMAIL,
            copy=True,
        ),
    ]
