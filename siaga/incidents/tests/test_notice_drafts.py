"""Notice drafts carry the legally required contents, in the language asked for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from siaga.incidents.legal_clocks import ClockKind
from siaga.incidents.notices import NoticeContact, NoticeFacts, render_notice

DISCOVERED = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 08:30 in Jakarta


def facts(**overrides) -> NoticeFacts:
    values = {
        "reference": "SIAGA-INC-2026-000007",
        "title": "Ransomware di SIMRS",
        "description": "Server SIMRS dienkripsi oleh ransomware melalui akun VPN yang bocor.",
        "organization": "RSUD Sehat Sentosa",
        "discovered_at": DISCOVERED,
        "personal_data_description": "Nama, NIK dan diagnosis sekitar 12.000 pasien.",
        "handling_actions": "Server diisolasi, kata sandi VPN diganti, pemulihan dari cadangan.",
        "impact": [("Layanan", "Tinggi")],
        "chronology": [(DISCOVERED, "Petugas TI menemukan catatan tebusan")],
        "contact": NoticeContact("Budi Santoso", "DPO", "dpo@rsud.example", "+62 21 555 0101"),
    }
    values.update(overrides)
    return NoticeFacts(**values)


def test_pdp_notice_in_indonesian_has_every_required_element():
    draft = render_notice(ClockKind.PDP_NOTICE, facts(), "id", "Asia/Jakarta")
    assert draft.missing == []
    assert draft.subject.startswith("Pemberitahuan")
    assert "SIAGA-INC-2026-000007" in draft.subject
    body = draft.body
    assert "PEMBERITAHUAN TERTULIS" in body
    assert "Nama, NIK dan diagnosis" in body  # which data
    assert "akun VPN yang bocor" in body  # how
    assert "pemulihan dari cadangan" in body  # handling and recovery
    assert "30 November 2026, 08:30" in body  # discovery, in Jakarta time
    assert "3 Desember 2026, 08:30" in body  # the 3 x 24-hour deadline
    assert "dpo@rsud.example" in body
    assert "Pasal 46" in body


def test_iiv_report_in_english_names_both_csirts():
    draft = render_notice(ClockKind.IIV_REPORT, facts(), "en", "Asia/Jakarta")
    assert draft.subject.startswith("Incident report of vital information infrastructure")
    body = draft.body
    assert "Chronology" in body and "Petugas TI menemukan catatan tebusan" in body
    assert "Layanan: Tinggi" in body
    assert "1 December 2026, 08:30" in body  # 1 x 24 hours
    assert [r.role for r in draft.recipients] == ["sectoral_csirt", "national_csirt"]
    assert "(copy)" in body


@pytest.mark.parametrize("language", ["id", "en"])
def test_missing_elements_are_listed_not_left_out(language):
    draft = render_notice(
        ClockKind.PDP_NOTICE,
        facts(personal_data_description="", handling_actions=""),
        language,
        "Asia/Jakarta",
    )
    assert len(draft.missing) == 2
    for item in draft.missing:
        assert item in draft.body
    marker = "[harus dilengkapi]" if language == "id" else "[to be completed]"
    assert draft.body.count(marker) == 2


def test_nothing_is_html_escaped_in_a_plain_text_notice():
    draft = render_notice(
        ClockKind.IIV_REPORT, facts(description='Akses <admin> & "root"'), "en", "UTC"
    )
    assert 'Akses <admin> & "root"' in draft.body
