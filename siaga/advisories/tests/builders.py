"""Helpers for the export tests: an advisory with its rows, and a revision published from it
directly (the authoring workflow's own publish action is tested in its own modules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction

from siaga.advisories.choices import AdvisoryKind, AdvisoryStatus
from siaga.advisories.models import Advisory, AdvisoryCve, AdvisoryProduct, AdvisoryRevision
from siaga.advisories.snapshot import snapshot
from siaga.organizations.models import Organization

MOMENT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)

_counter = iter(range(1, 1_000_000))


def make_advisory(
    organization: Organization,
    *,
    cves: list[dict[str, Any]] | None = None,
    products: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Advisory:
    """A working copy with both languages written; ``cves`` / ``products`` as field dicts."""
    number = next(_counter)
    values: dict[str, Any] = {
        # Not the workflow's SIAGA-ADV-… ids, so rows made here never collide with theirs.
        "tracking_id": f"TEST-ADV-2026-{number:04d}",
        "kind": AdvisoryKind.ADVISORY,
        "title_id": "Kerentanan pada pompa infus",
        "title_en": "Vulnerability in infusion pumps",
        "summary_id": "Ringkasan dalam Bahasa Indonesia.",
        "summary_en": "Summary in English.",
        "description_id": "Deskripsi lengkap.",
        "description_en": "Full description.",
        "remediation_id": "Perbarui perangkat lunak.",
        "remediation_en": "Update the software.",
        "workarounds_id": "Batasi akses jaringan.",
        "workarounds_en": "Restrict network access.",
        "references": [{"url": "https://example.org/advisory", "summary": "Vendor advisory"}],
        "organization": organization,
    }
    values.update(fields)
    advisory = Advisory.objects.create(**values)
    for cve in cves or []:
        AdvisoryCve.objects.create(advisory=advisory, **cve)
    for product in products or []:
        AdvisoryProduct.objects.create(advisory=advisory, **product)
    return advisory


def publish(
    advisory: Advisory,
    *,
    at: datetime | None = None,
    change_summary_id: str = "",
    change_summary_en: str = "",
) -> AdvisoryRevision:
    """Publish the working copy's next revision as the authoring workflow does."""
    with transaction.atomic():
        moment = at or (MOMENT + timedelta(days=advisory.version))
        advisory.version += 1
        advisory.status = AdvisoryStatus.PUBLISHED
        advisory.first_published_at = advisory.first_published_at or moment
        advisory.last_published_at = moment
        advisory.save()
        return AdvisoryRevision.objects.create(
            advisory=advisory,
            version=advisory.version,
            content=snapshot(
                advisory, change_summary_id=change_summary_id, change_summary_en=change_summary_en
            ),
            change_summary_id=change_summary_id,
            change_summary_en=change_summary_en,
            published_at=moment,
        )
