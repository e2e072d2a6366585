"""The built-in playbooks: the seven the sector needs, valid phases, suggestions, both languages."""

from __future__ import annotations

from django.utils import translation

from siaga.incidents.choices import IncidentStatus
from siaga.incidents.playbooks import PLAYBOOKS, suggested_playbooks
from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS

BRAND_NAMES = {"Ransomware", "DDoS"}


def test_the_sector_playbooks_exist():
    assert set(PLAYBOOKS) == {
        "ransomware",
        "phishing",
        "personal-data-breach",
        "ddos",
        "web-defacement",
        "compromised-account",
        "vulnerable-medical-device",
    }


def test_tasks_belong_to_real_phases_and_types_are_real_rsit_types():
    known_types = {t for types in RSIT_TYPES_BY_CLASS.values() for t in types}
    for playbook in PLAYBOOKS.values():
        assert playbook.tasks, playbook.slug
        assert playbook.rsit_types <= known_types, playbook.slug
        for task in playbook.tasks:
            assert task.phase in IncidentStatus.values and task.phase != "new"
            assert task.due_hours is None or task.due_hours > 0


def test_suggestions_put_the_best_fit_first():
    slugs = [p.slug for p in suggested_playbooks("system-compromise", ["ransomware"])]
    assert slugs[0] == "ransomware"
    assert [p.slug for p in suggested_playbooks("phishing", [])] == ["phishing"]
    assert suggested_playbooks("test", []) == []


def test_every_text_reads_in_indonesian():
    for playbook in PLAYBOOKS.values():
        texts = [playbook.name, playbook.description, *(t.title for t in playbook.tasks)]
        for text in texts:
            with translation.override("en"):
                english = str(text)
            with translation.override("id"):
                indonesian = str(text)
            assert indonesian != english or english in BRAND_NAMES, english
