"""Permission-matrix rows of sector reports: the CERT's staff, the coordination group's members and
auditors read published reports; drafts are seen and edited by the CERT's staff only
(``SectorReport.restrict_extra``); publishing and withdrawing are for the CERT's leads and
administrators (``sectorreport.publish``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from siaga.core.testing import Personas
from siaga.reports import actions, periods
from tests.matrix_base import CERT_STAFF, Operation, Page

READERS = CERT_STAFF | {"coord_member", "auditor"}
PUBLISHERS = frozenset({"cert_admin", "cert_lead"})


def rows(personas: Personas) -> dict[str, Any]:
    draft = actions.do_generate(periods.quarter_of(date(2026, 1, 10)))[0]
    ready = actions.do_generate(periods.quarter_of(date(2025, 10, 10)))[0]
    actions.check_update_narrative(personas.cert_analyst, ready, "Teks.", "Text.")
    published = actions.do_generate(periods.quarter_of(date(2025, 7, 10)))[0]
    actions.check_update_narrative(personas.cert_analyst, published, "Teks.", "Text.")
    actions.check_publish(personas.cert_lead, published)
    return {
        "sector_report_draft_id": draft.pk,
        "sector_report_ready_id": ready.pk,
        "sector_report_published_id": published.pk,
    }


def _draft(w: Any) -> list[Any]:
    return [w.extra["sector_report_draft_id"]]


def _ready(w: Any) -> list[Any]:
    return [w.extra["sector_report_ready_id"]]


def _published(w: Any) -> list[Any]:
    return [w.extra["sector_report_published_id"]]


PAGES = [
    Page("reports:list", READERS),
    Page("reports:detail", READERS, args=_published),
    Page("reports:detail", CERT_STAFF, args=_draft),
    Page("reports:pdf", READERS, args=lambda w: [*_published(w), "en"]),
    Page("reports:edit", CERT_STAFF, args=_draft),
    Page("reports:regenerate", CERT_STAFF, method="post", args=_draft),
    Page("reports:publish", PUBLISHERS, method="post", args=_ready),
    Page("reports:withdraw", PUBLISHERS, method="post", args=_published),
    Page(
        "reports:generate",
        CERT_STAFF,
        method="post",
        data={"period_kind": "monthly", "day": "2026-01-15"},
    ),
]

OPERATIONS = [
    Operation("get", "/api/v1/sector-reports", READERS),
    Operation(
        "get",
        "/api/v1/sector-reports/{id}",
        READERS,
        params=lambda w: {"id": w.extra["sector_report_published_id"]},
    ),
    Operation(
        "get",
        "/api/v1/sector-reports/{id}/pdf",
        READERS,
        params=lambda w: {"id": w.extra["sector_report_published_id"]},
    ),
]
