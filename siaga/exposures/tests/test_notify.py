"""New findings are e-mailed once per constituent per run, to each contact in its language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from siaga.constituents.models import Contact
from siaga.exposures.actions import do_match_all
from siaga.exposures.models import Finding
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability
from siaga.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def contact(organization: Any, email: str, language: str, kinds: list[str]) -> Contact:
    return Contact.objects.create(
        organization=organization,
        name=email.split("@")[0].title(),
        role="security_officer",
        email=email,
        language=language,
        notification_kinds=kinds,
    )


@pytest.fixture
def findings_scene(orgs: Any) -> None:
    kev = make_vulnerability("CVE-2025-2001", in_kev=True)
    other = make_vulnerability("CVE-2025-2002")
    make_product(kev, vendor="Contoso", product="Gateway", versions="< 2.0")
    make_product(
        other, vendor="Contoso", product="Gateway", versions="shipped in 2017 with wireless"
    )
    make_item(orgs.hospital, vendor="Contoso", product="Gateway", version="1.0")
    make_item(orgs.other_hospital, vendor="Contoso", product="Gateway", version="1.0")


def test_one_email_per_contact_in_its_language(
    orgs: Any, findings_scene: None, send_inline: None, django_capture_on_commit_callbacks: Any
) -> None:
    contact(orgs.hospital, "budi@hospital.test", "id", ["advisories"])
    contact(orgs.hospital, "ann@hospital.test", "en", ["alerts", "incidents"])
    contact(orgs.hospital, "digest@hospital.test", "en", ["feed_digests"])  # not for findings
    with django_capture_on_commit_callbacks(execute=True):
        result = do_match_all()
    assert result.notified_organizations == 1  # the other hospital has no contact
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@hospital.test", "budi@hospital.test"]
    english = next(m for m in mail.outbox if m.to == ["ann@hospital.test"])
    assert "2 new vulnerability findings for Test Hospital" in english.subject
    assert "CVE-2025-2001 [KEV]" in english.body
    assert "CVE-2025-2002" in english.body
    assert "Check the version" in english.body
    assert "Due date" in english.body
    indonesian = Delivery.objects.get(address="budi@hospital.test")
    assert indonesian.language == "id"
    notified = Finding.objects.filter(organization=orgs.hospital)
    assert all(f.notified_at is not None for f in notified)
    assert not Finding.objects.filter(
        organization=orgs.other_hospital, notified_at__isnull=False
    ).exists()


def test_nothing_new_no_email(orgs: Any, findings_scene: None) -> None:
    contact(orgs.hospital, "budi@hospital.test", "id", ["advisories"])
    do_match_all()
    assert Delivery.objects.count() == 1
    do_match_all()
    assert Delivery.objects.count() == 1


def test_contact_added_later_hears_of_waiting_findings(orgs: Any, findings_scene: None) -> None:
    do_match_all()
    assert Delivery.objects.count() == 0
    contact(orgs.other_hospital, "sari@other.test", "id", ["advisories"])
    result = do_match_all()
    assert result.notified_organizations == 1
    assert Delivery.objects.get().address == "sari@other.test"
