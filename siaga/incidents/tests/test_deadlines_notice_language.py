"""A notice draft speaks one language throughout, whatever language its reader uses.

The facts quoted from the incident (impact levels, status changes in the chronology, the contact's
role) are translated words too: an Indonesian notice read from an English page must not quote them
in English.
"""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from siaga.constituents.models import ConstituentProfile, Contact
from siaga.incidents.actions.deadlines import notice_draft
from siaga.incidents.choices import Impact
from siaga.incidents.models import LegalClock

DISCOVERED = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def iiv_clock(personas, make_incident):
    hospital = personas.orgs.hospital
    ConstituentProfile.objects.create(organization=hospital, is_vital_infrastructure=True)
    Contact.objects.create(
        organization=hospital, name="Sari DPO", role="data_protection_officer", email="d@h.test"
    )
    incident = make_incident(
        description="Ransomware on the SIMRS servers.",
        patient_safety=Impact.HIGH,
        detected_at=DISCOVERED,
        affected_constituents=[hospital],
    )
    return LegalClock.objects.get(incident=incident, kind="iiv_report")


def test_an_indonesian_draft_read_in_english_quotes_the_facts_in_indonesian(iiv_clock):
    assert translation.get_language() == "en"  # the reader's language (the tests' default)
    body = notice_draft(iiv_clock, "id", "Asia/Jakarta").body
    assert "Keselamatan pasien: Tinggi" in body
    assert "Status: Baru" in body
    assert "Pejabat pelindungan data pribadi" in body
    assert "Patient safety" not in body
    assert "Data protection officer" not in body


def test_an_english_draft_read_in_indonesian_quotes_the_facts_in_english(iiv_clock):
    with translation.override("id"):
        body = notice_draft(iiv_clock, "en", "Asia/Jakarta").body
    assert "Patient safety: High" in body
    assert "Status: New" in body
    assert "Data protection officer" in body
    assert "Keselamatan pasien" not in body
    assert translation.get_language() == "en"  # the override did not leak out
