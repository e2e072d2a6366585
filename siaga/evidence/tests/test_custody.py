"""Every upload, download and verification joins the file's chain of custody, which is append-only."""

from __future__ import annotations

import pytest

from siaga.audit.models import AppendOnlyError
from siaga.core.testing import Personas
from siaga.evidence import actions, vault
from siaga.evidence.models import CustodyEvent, Evidence
from siaga.evidence.tests.helpers import upload
from siaga.incidents.models import Incident, Report


def _add(personas: Personas, incident: Incident) -> Evidence:
    return actions.check_add_evidence(
        personas.cert_analyst, incident=incident, upload=upload(), description="From the firewall"
    )


def test_upload_records_receipt_and_storage(personas: Personas, incident: Incident) -> None:
    evidence = _add(personas, incident)
    events = list(evidence.custody_events.values_list("action", "actor_label", "succeeded"))
    assert events == [
        ("received", "analyst@cert.test", True),
        ("stored", "analyst@cert.test", True),
    ]
    assert evidence.sha256 in evidence.custody_events.get(action="stored").note
    assert vault.read_all(evidence.storage_id, evidence.sha256) == b"hello evidence\n"


def test_download_is_recorded(personas: Personas, incident: Incident) -> None:
    evidence = _add(personas, incident)
    content = b"".join(actions.check_download(personas.constituent_admin, evidence))
    assert content == b"hello evidence\n"
    last = evidence.custody_events.last()
    assert last is not None
    assert (last.action, last.actor) == ("downloaded", personas.constituent_admin)


def test_verification_records_success_and_failure(personas: Personas, incident: Incident) -> None:
    evidence = _add(personas, incident)
    assert actions.check_verify(personas.cert_lead, evidence).succeeded
    path = vault.path_of(evidence.storage_id)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    event = actions.check_verify(personas.cert_lead, evidence)
    assert not event.succeeded
    assert "Integrity check failed" in event.note
    assert not actions.verify_evidence(evidence)  # as the system
    assert evidence.custody_events.filter(action="verified").count() == 3


def test_email_intake_is_recorded_as_the_system(personas: Personas, report: Report) -> None:
    evidence = actions.do_add_evidence_from_bytes(
        b"Received: x\r\nFrom: a@b.test\r\nSubject: y\r\n\r\nbody", name="phish.eml", report=report
    )
    assert (evidence.source, evidence.uploaded_by, evidence.sniffed_type) == (
        "email",
        None,
        "message/rfc822",
    )
    assert set(evidence.custody_events.values_list("actor_label", flat=True)) == {"system"}


def test_custody_events_cannot_be_changed_or_deleted(
    personas: Personas, incident: Incident
) -> None:
    evidence = _add(personas, incident)
    event = evidence.custody_events.first()
    assert event is not None
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.filter(evidence=evidence).update(note="x")
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.filter(evidence=evidence).delete()
