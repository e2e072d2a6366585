"""Notice drafts of a real incident: Indonesian by default, English on request, downloadable."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.constituents.models import Contact
from siaga.core.testing import login
from siaga.incidents.actions.deadlines import notice_draft, notice_facts
from siaga.incidents.choices import Visibility
from siaga.incidents.models import LegalClock, TimelineEvent

DISCOVERED = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def clock(personas, make_incident):
    incident = make_incident(
        title="Kebocoran data pasien",
        description="Basis data rekam medis terbuka di internet.",
        personal_data_involved=True,
        detected_at=DISCOVERED,
        affected_constituents=[personas.orgs.hospital],
    )
    return LegalClock.objects.get(incident=incident)


def url(clock, **params):
    return reverse("incidents:clock-notice", args=[clock.pk]), params


def test_draft_in_indonesian_is_filled_from_the_incident(personas, clock):
    Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Sari DPO",
        role="data_protection_officer",
        email="dpo@hospital.test",
    )
    draft = notice_draft(clock, "id", "Asia/Jakarta")
    assert "Test Hospital" in draft.subject
    assert clock.incident.reference in draft.subject
    assert "Basis data rekam medis terbuka di internet." in draft.body
    assert "5 November 2026, 10:00 (Asia/Jakarta)" in draft.body  # due 72 h later, in WIB
    assert "Sari DPO" in draft.body
    # Which data and the handling efforts are not written down yet: named as missing.
    assert len(draft.missing) == 2
    assert {r.role for r in draft.recipients} == {"data_subjects", "pdp_authority"}


def test_filling_the_incident_removes_missing_elements(personas, clock):
    incident = clock.incident
    incident.personal_data_description = "Nama dan diagnosis sekitar 2.000 pasien."
    incident.handling_actions = "Akses publik ditutup; kata sandi diganti."
    incident.save()
    draft = notice_draft(clock, "en", "Asia/Jakarta")
    assert draft.missing == []
    assert "Nama dan diagnosis sekitar 2.000 pasien." in draft.body


def test_page_shows_the_draft_and_its_missing_elements(client, personas, clock):
    login(client, personas.constituent_admin)
    path, params = url(clock, language="en")
    response = client.get(path, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["draft"].language == "en"
    assert "which personal data were exposed" in body
    assert "lembaga-pdp@pdp.example" in body
    assert AuditEntry.objects.filter(object_id=str(clock.incident.pk)).exists()


def test_a_bad_language_falls_back_to_indonesian(client, personas, clock):
    login(client, personas.cert_analyst)
    path, params = url(clock, language="xx")
    assert client.get(path, params).context["draft"].language == "id"


def test_download_is_plain_text(client, personas, clock):
    login(client, personas.cert_analyst)
    path, params = url(clock, language="id", download="1")
    response = client.get(path, params)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert clock.incident.reference in response.content.decode()


def test_internal_timeline_stays_out_of_a_constituents_draft(personas, clock):
    for text, visibility in (("internal lead", Visibility.INTERNAL), ("shared", Visibility.SHARED)):
        TimelineEvent.objects.create(
            incident=clock.incident, occurred_at=DISCOVERED, description=text, visibility=visibility
        )

    def chronology(user):
        return [text for _when, text in notice_facts(clock.incident, user).chronology]

    assert "internal lead" not in chronology(personas.constituent_admin)
    assert "shared" in chronology(personas.constituent_admin)
    assert "internal lead" in chronology(personas.cert_analyst)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_analyst", 200),
        ("auditor", 200),
        ("constituent_admin", 200),
        ("constituent_reporter", 200),
        ("other_reporter", 404),
        ("coord_member", 404),
        ("outsider", 404),
    ],
)
def test_who_may_read_a_draft(client, personas, clock, persona, status):
    login(client, personas.by_name(persona))
    path, params = url(clock)
    assert client.get(path, params).status_code == status


def test_anonymous_is_sent_to_sign_in(client, clock):
    path, params = url(clock)
    assert client.get(path, params).status_code == 302
