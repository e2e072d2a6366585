"""Demo data: the last quarter's sector report, published by the demo lead with a narrative in
both languages, and the draft of the current quarter, so the pages are not empty on a fresh
``make run``. Made through the same actions as any report; loading again changes nothing."""

from __future__ import annotations

from django.utils import timezone

from siaga.accounts.models import User
from siaga.reports import actions, periods
from siaga.reports.models import SectorReport

LEAD = "lead@csirt.siaga.example"
NARRATIVE_ID = (
    "Pada triwulan ini CERT menangani insiden yang sebagian besar berupa percobaan intrusi dan "
    "kode berbahaya terhadap rumah sakit. Konstituen diimbau menerapkan faktor kedua untuk akses "
    "jarak jauh dan menguji pemulihan cadangan SIMRS."
)
NARRATIVE_EN = (
    "This quarter the CERT handled incidents that were mostly intrusion attempts and malicious "
    "code aimed at hospitals. Constituents are urged to require a second factor for remote "
    "access and to test restoring the backups of their hospital information systems."
)


def load_demo() -> tuple[SectorReport | None, SectorReport | None]:
    """(the published report of the last quarter, the draft of this one); (None, None) when the
    demo lead is missing."""
    lead = User.objects.filter(email=LEAD).first()
    if lead is None:
        return None, None
    today = periods.local_today(timezone.now())
    last = periods.last_completed(periods.QUARTERLY, today)
    current = periods.quarter_of(today)
    published = _published(lead, last)
    draft = (
        SectorReport.objects.filter(period_kind=current.kind, period_start=current.start).first()
        or actions.do_generate(current, user=lead)[0]
    )
    return published, draft


def _published(lead: User, period: periods.Period) -> SectorReport:
    report = SectorReport.objects.filter(period_kind=period.kind, period_start=period.start).first()
    if report is not None and not report.is_draft:
        return report
    report = actions.do_generate(period, user=lead)[0]
    actions.check_update_narrative(lead, report, NARRATIVE_ID, NARRATIVE_EN)
    return actions.check_publish(lead, report)
