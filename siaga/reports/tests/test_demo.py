"""The demo: last quarter's report published, this quarter's a draft; loading twice is harmless."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from siaga.accounts.roles import Role
from siaga.core.testing import make_user
from siaga.reports import periods
from siaga.reports.demo import LEAD, load_demo
from siaga.reports.models import SectorReport


def test_load_demo(orgs: Any) -> None:
    assert load_demo() == (None, None)
    make_user(LEAD, orgs.cert, Role.CERT_LEAD)
    published, draft = load_demo()
    today = periods.local_today(timezone.now())
    assert published is not None and published.status == "published"
    assert published.period_start == periods.last_completed("quarterly", today).start
    assert published.narrative_id and published.narrative_en
    assert draft is not None and draft.status == "draft"
    assert draft.period_start == periods.quarter_of(today).start
    assert load_demo() == (published, draft)
    assert SectorReport.objects.count() == 2
