"""Every real medical-device advisory in ../shared/data/csaf/icsma goes the whole way: imported,
made into a draft advisory, submitted and published through the workflow (snapshot → revision),
and exported as CSAF 2.0 in both languages with no schema error and no failed mandatory test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siaga.advisories import actions
from siaga.advisories.exports.csaf import csaf_document
from siaga.advisories.exports.public import latest_revision
from siaga.core.testing import Personas
from siaga.csaf.validation import csaf_problems
from siaga.vulns.importers.csaf import import_csaf
from siaga.vulns.models import VendorAdvisory

ICSMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "csaf" / "icsma"
FILES = sorted(ICSMA.glob("*.json")) if ICSMA.is_dir() else []

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not FILES, reason="../shared/data/csaf/icsma is not here (a user's clone); CI has it"
    ),
]


def test_every_icsma_file_reexports_as_valid_csaf(personas: Personas) -> None:
    failures: dict[str, list[str]] = {}
    security = 0
    for path in FILES:
        result = import_csaf(path, user=personas.cert_analyst)
        assert result.ok, f"{path.name}: {result.errors}"
        header = json.loads(path.read_text(encoding="utf-8"))["document"]
        source = VendorAdvisory.objects.get(
            tracking_id=header["tracking"]["id"],
            publisher_namespace=header["publisher"]["namespace"],
        )
        draft = actions.check_create_draft_from_vendor_advisory(personas.cert_analyst, source)
        if not (draft.summary_en or draft.summary_id):
            # The analyst writes the summary the vendor's notes did not give.
            draft = actions.check_update_advisory(
                personas.cert_analyst,
                draft,
                {"summary_en": f"Summary of {source.tracking_id}.", "summary_id": "Ringkasan."},
            )
        actions.check_submit(personas.cert_analyst, draft)
        published = actions.check_approve(personas.cert_lead, draft, change_summary_en="Imported")
        revision = latest_revision(published)
        assert revision is not None
        for language in ("id", "en"):
            document = csaf_document(revision, language)
            security += document["document"]["category"] == "csaf_security_advisory"
            problems = csaf_problems(document)
            if problems:
                failures[f"{path.name} ({language})"] = [str(p) for p in problems[:5]]
    assert failures == {}
    # The medical-device advisories name CVEs and products: most export as security advisories.
    assert security > len(FILES)
