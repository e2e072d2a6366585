"""Merging a duplicate moves its evidence too, each move written to the chain of custody."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.evidence.actions import do_add_evidence_from_bytes, evidence_of_incident
from siaga.evidence.choices import CustodyAction
from siaga.incidents.actions.casework import check_merge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vault(settings: Any, tmp_path: Any) -> None:
    settings.EVIDENCE_DIR = tmp_path / "vault"


def test_evidence_follows_the_merge_with_a_custody_record(personas, make_incident):
    hospital = personas.orgs.hospital.pk
    duplicate = make_incident(title="Ransomware (copy)", affected_constituents=[hospital])
    into = make_incident(title="Ransomware", affected_constituents=[hospital])
    memo = do_add_evidence_from_bytes(b"%PDF-1.4 memo", name="memo.pdf", incident=duplicate)
    check_merge(personas.cert_analyst, duplicate, into.pk)
    memo.refresh_from_db()
    assert memo.incident_id == into.pk
    assert list(evidence_of_incident(personas.constituent_reporter, into)) == [memo]
    transfer = memo.custody_events.get(action=CustodyAction.TRANSFERRED)
    assert duplicate.reference in transfer.note and into.reference in transfer.note
    assert transfer.actor == personas.cert_analyst
    assert into.merges.get().snapshot["evidence"] == 1
