"""The pages: who sees drafts and published reports, who edits, regenerates, publishes and
generates; both languages; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.jobs.models import Job
from siaga.reports.choices import SectorReportStatus
from siaga.reports.models import SectorReport
from siaga.reports.tests.conftest import published

CERT_STAFF = ("cert_admin", "cert_lead", "cert_analyst")
READERS = (*CERT_STAFF, "coord_member", "auditor")
NOT_READERS = ("constituent_admin", "constituent_reporter", "other_reporter", "outsider")


@pytest.mark.parametrize("name", READERS)
def test_readers_see_the_published_report(
    client: Any, personas: Any, q1_report: SectorReport, name: str
) -> None:
    published(q1_report, personas)
    login(client, personas.by_name(name))
    assert client.get(reverse("reports:list")).status_code == 200
    page = client.get(reverse("reports:detail", args=[q1_report.pk]) + "?lang=en")
    assert page.status_code == 200
    assert "First quarter summary." in page.content.decode()


@pytest.mark.parametrize("name", NOT_READERS)
def test_others_are_refused(client: Any, personas: Any, q1_report: SectorReport, name: str) -> None:
    published(q1_report, personas)
    login(client, personas.by_name(name))
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:detail", args=[q1_report.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "status"), [("cert_analyst", 200), ("coord_member", 404), ("auditor", 404)]
)
def test_drafts_only_for_editors(
    client: Any, personas: Any, q1_report: SectorReport, name: str, status: int
) -> None:
    login(client, personas.by_name(name))
    assert client.get(reverse("reports:detail", args=[q1_report.pk])).status_code == status
    listed = client.get(reverse("reports:list")).content.decode()
    assert (reverse("reports:detail", args=[q1_report.pk]) in listed) == (status == 200)


def test_both_languages(client: Any, personas: Any, q1_report: SectorReport) -> None:
    login(client, personas.cert_analyst)
    url = reverse("reports:detail", args=[q1_report.pk])
    indonesian = client.get(url + "?lang=id").content.decode()
    english = client.get(url + "?lang=en").content.decode()
    assert "<h2>Imbauan keamanan</h2>" in indonesian and "<h2>Insiden</h2>" in indonesian
    assert "<h2>Advisories</h2>" in english and "<h2>Incidents</h2>" in english
    assert "Imbauan keamanan</h2>" not in english


def test_edit_narrative_escaped_and_bounded(
    client: Any, personas: Any, q1_report: SectorReport
) -> None:
    login(client, personas.cert_analyst)
    url = reverse("reports:edit", args=[q1_report.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"narrative_id": "Baik.", "narrative_en": "<script>x</script>"})
    assert response.status_code == 302
    page = client.get(reverse("reports:detail", args=[q1_report.pk]) + "?lang=en").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    too_long = client.post(url, {"narrative_id": "y" * 20_001, "narrative_en": "changed"})
    assert too_long.status_code == 200
    q1_report.refresh_from_db()
    assert q1_report.narrative_en == "<script>x</script>"  # nothing half-saved


@pytest.mark.parametrize(
    ("name", "status"),
    [("cert_analyst", 302), ("coord_member", 404), ("auditor", 404), ("constituent_admin", 404)],
)
def test_edit_and_regenerate_rights(
    client: Any, personas: Any, q1_report: SectorReport, name: str, status: int
) -> None:
    login(client, personas.by_name(name))
    response = client.post(reverse("reports:regenerate", args=[q1_report.pk]))
    assert response.status_code == status
    edit = client.post(
        reverse("reports:edit", args=[q1_report.pk]), {"narrative_id": "a", "narrative_en": "b"}
    )
    assert edit.status_code == status


@pytest.mark.parametrize(
    ("name", "allowed"), [("cert_lead", True), ("cert_admin", True), ("cert_analyst", False)]
)
def test_publish_rights(
    client: Any, personas: Any, q1_report: SectorReport, name: str, allowed: bool
) -> None:
    from siaga.reports import actions

    actions.check_update_narrative(personas.cert_analyst, q1_report, "Teks.", "Text.")
    login(client, personas.by_name(name))
    response = client.post(reverse("reports:publish", args=[q1_report.pk]))
    q1_report.refresh_from_db()
    assert response.status_code == (302 if allowed else 403)
    assert (q1_report.status == SectorReportStatus.PUBLISHED) == allowed


def test_pdf_download_per_language(client: Any, personas: Any, q1_report: SectorReport) -> None:
    login(client, personas.cert_analyst)
    response = client.get(reverse("reports:pdf", args=[q1_report.pk, "en"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "2026-Q1-en.pdf" in response["Content-Disposition"]
    assert client.get(reverse("reports:pdf", args=[q1_report.pk, "fr"])).status_code == 403
    login(client, personas.coord_member)
    assert client.get(reverse("reports:pdf", args=[q1_report.pk, "en"])).status_code == 404


def test_generate_now_starts_a_job(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("reports:generate"), {"period_kind": "monthly", "day": "2026-01-15"}
    )
    job = Job.objects.get(kind="reports.generate")
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    assert job.params == {"period_kind": "monthly", "day": "2026-01-01"}


def test_generate_now_refuses_bad_input_and_others(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    client.post(reverse("reports:generate"), {"period_kind": "weekly", "day": "2026-01-15"})
    client.post(reverse("reports:generate"), {"period_kind": "monthly", "day": "2999-01-15"})
    assert not Job.objects.exists()
    login(client, personas.auditor)
    assert (
        client.post(
            reverse("reports:generate"), {"period_kind": "monthly", "day": "2026-01-15"}
        ).status_code
        == 403
    )
    assert not Job.objects.exists()
